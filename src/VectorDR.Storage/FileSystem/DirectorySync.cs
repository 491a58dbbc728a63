using System.Runtime.InteropServices;

namespace VectorDR.Storage.FileSystem;

/// <summary>
/// fsync of a directory, so that a rename (the commit point of a put) survives a crash. .NET has no API for it;
/// on Linux it is open(O_RDONLY|O_DIRECTORY) + fsync. Elsewhere it is a no-op (best effort).
/// </summary>
internal static partial class DirectorySync
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // Linux x86-64 and arm64

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux()) return;
        var fd = Open(directory, ORdOnly | ODirectory);
        if (fd < 0) return; // best effort: the data itself is already fsynced
        try
        {
            _ = Fsync(fd);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
