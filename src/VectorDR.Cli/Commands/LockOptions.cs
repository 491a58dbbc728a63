using System.CommandLine;
using VectorDR.Storage;

namespace VectorDR.Cli.Commands;

/// <summary><c>--lock-mode governance|compliance --lock-days N</c>: S3 Object Lock retention for everything written.</summary>
internal sealed class LockOptions
{
    private readonly Option<ObjectLockMode?> _mode = new("--lock-mode")
    {
        Description = "Write objects under S3 Object Lock (the bucket must have Object Lock enabled)",
        HelpName = "governance|compliance",
    };

    private readonly Option<int?> _days = new("--lock-days") { Description = "Days each written object stays locked" };

    public void AddTo(Command command)
    {
        command.Options.Add(_mode);
        command.Options.Add(_days);
        command.Validators.Add(r =>
        {
            var mode = r.GetValue(_mode);
            var days = r.GetValue(_days);
            if (mode.HasValue != days.HasValue) r.AddError("--lock-mode and --lock-days go together");
            if (days is < 1 or > 36500) r.AddError("--lock-days must be between 1 and 36500");
        });
    }

    public PutOptions? Read(ParseResult parse, TimeProvider time) =>
        parse.GetValue(_mode) is { } mode && parse.GetValue(_days) is { } days
            ? new PutOptions { Lock = new ObjectLockSettings(mode, time.GetUtcNow().AddDays(days)) }
            : null;
}
