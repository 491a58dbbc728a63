namespace VectorDR.KubeEmulator.Jobs;

/// <summary>Resolves container images (and command names) to local executables, the emulator's stand-in for pulling an image.</summary>
internal sealed class ImageMap(IDictionary<string, string> images)
{
    private readonly Dictionary<string, string> _images = new(images, StringComparer.Ordinal);

    /// <summary>The executable for <paramref name="image"/>: an exact key first, then the key without tag or digest.</summary>
    public string? Resolve(string image)
    {
        if (_images.TryGetValue(image, out var exact))
        {
            return exact;
        }

        // A tagged key means that tag only; an untagged key means every tag and digest.
        return _images.TryGetValue(Repository(image), out var untagged) ? untagged : null;
    }

    /// <summary>
    /// What <c>command[0]</c> runs: a key of the map (a command name or path), the image's executable when the names agree
    /// (<c>vectordr</c> or <c>/usr/local/bin/vectordr</c> in an image mapped to <c>…/vectordr</c>), an existing absolute
    /// path, or a lookup in <paramref name="path"/>. Null when none: the runtime's "executable file not found".
    /// </summary>
    public string? ResolveCommand(string command, string? imageExecutable, string? path)
    {
        if (_images.TryGetValue(command, out var mapped))
        {
            return mapped;
        }

        if (imageExecutable is not null && Path.GetFileName(command) == Path.GetFileName(imageExecutable))
        {
            return imageExecutable;
        }

        if (command.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(command) ? command : null;
        }

        return (path ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, command))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>The image without its digest (<c>@sha256:…</c>) or tag (a colon after the last slash; a registry port is not a tag).</summary>
    internal static string Repository(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            image = image[..at];
        }

        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? image[..colon] : image;
    }
}
