using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>
/// One container instance as a local process. It is started in a session of its own (through <c>setsid</c>, which execs
/// in place, so the PID is the program's) so that, like a container's cgroup, the whole process group can be signalled:
/// SIGTERM then SIGKILL after the grace period on stop, and SIGKILL for whatever is left once the main process exits
/// (processes in a container die with its PID 1).
/// </summary>
internal sealed class ContainerProcess
{
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    private readonly Process _process;
    private readonly bool _ownGroup;
    private readonly Task<int> _exited;
    private volatile bool _reaped;

    private ContainerProcess(Process process, bool ownGroup, ContainerLog log)
    {
        _process = process;
        _ownGroup = ownGroup;
        Pid = process.Id;
        LiveProcesses.TryAdd(this, 0);
        _exited = WaitAsync(log);
    }

    public int Pid { get; }

    /// <summary>The exit code (128 + signal when killed, as container runtimes report) once the process has exited and its output is drained.</summary>
    public Task<int> Exited => _exited;

    /// <summary>Starts the process; throws <see cref="System.ComponentModel.Win32Exception"/> when it cannot be executed.</summary>
    public static ContainerProcess Start(ContainerLaunch launch, ContainerLog log)
    {
        var start = new ProcessStartInfo(Setsid ?? launch.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = launch.WorkingDirectory,
        };
        if (Setsid is not null)
        {
            start.ArgumentList.Add(launch.FileName);
        }

        foreach (var argument in launch.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A container sees only its own environment, never the host's.
        start.Environment.Clear();
        foreach (var (name, value) in launch.Environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {launch.FileName}");
        process.StandardInput.Close(); // stdin: false, as a container without stdin
        return new ContainerProcess(process, Setsid is not null, log);
    }

    /// <summary>Stops like the kubelet: SIGTERM, then SIGKILL when the grace period passes; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan gracePeriod, TimeProvider time)
    {
        if (!_exited.IsCompleted)
        {
            Signal(SigTerm);
            try
            {
                return await _exited.WaitAsync(gracePeriod, time);
            }
            catch (TimeoutException)
            {
                Signal(SigKill);
            }
        }

        return await _exited;
    }

    /// <summary>SIGKILL to the whole group (emulator shutdown).</summary>
    public void Kill() => Signal(SigKill);

    /// <summary>Processes not yet reaped; killed if the emulator's process exits without disposing the runner.</summary>
    private static readonly ConcurrentDictionary<ContainerProcess, byte> LiveProcesses = CreateRegistry();

    private static ConcurrentDictionary<ContainerProcess, byte> CreateRegistry()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in LiveProcesses.Keys)
            {
                process.Kill();
            }
        };
        return new ConcurrentDictionary<ContainerProcess, byte>();
    }

    private async Task<int> WaitAsync(ContainerLog log)
    {
        var stdout = PumpAsync(_process.StandardOutput.BaseStream, log);
        var stderr = PumpAsync(_process.StandardError.BaseStream, log);
        await _process.WaitForExitAsync();
        var exitCode = _process.ExitCode;

        // PID 1 is gone: the rest of the "container" goes too, which also closes the pipes they might hold.
        Signal(SigKill);
        try
        {
            // A process that left the group (its own setsid) may keep a pipe open: do not wait for it forever.
            await Task.WhenAll(stdout, stderr).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException)
        {
        }

        log.Complete();
        LiveProcesses.TryRemove(this, out _);
        _reaped = true;
        _process.Dispose();
        return exitCode;
    }

    private static async Task PumpAsync(Stream stream, ContainerLog log)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                log.Append(buffer.AsSpan(0, read));
            }
        }
        catch (IOException)
        {
            // The pipe broke with the process: what was read is kept.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Signal(int signal)
    {
        if (_reaped)
        {
            // The group is gone; its id could now belong to someone else.
            return;
        }

        if (_ownGroup)
        {
            // The group id equals the PID (setsid); a negative pid signals the whole group. ESRCH (gone) is fine.
            _ = kill(-Pid, signal);
            return;
        }

        {
            try
            {
                if (signal == SigKill)
                {
                    _process.Kill(entireProcessTree: true);
                }
                else
                {
                    _ = kill(Pid, signal);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                // Already exited.
            }
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
