using Spectre.Console;
using VectorDR.Engine;

namespace VectorDR.Cli.Output;

/// <summary>Progress bars for a person at a terminal: each step a finished line, each transfer a live bar.</summary>
internal sealed class SpectreObserver(ProgressContext progress) : IOperationObserver
{
    private ProgressTask? _currentStep;

    public void Step(string message)
    {
        _currentStep?.Value(_currentStep.MaxValue);
        _currentStep = progress.AddTask(Markup.Escape(message), maxValue: 1);
        _currentStep.IsIndeterminate = true;
    }

    public ITransferObserver BeginTransfer(string label, long? totalBytes)
    {
        var task = progress.AddTask(Markup.Escape(label), maxValue: totalBytes is > 0 ? totalBytes.Value : 1);
        task.IsIndeterminate = totalBytes is not > 0;
        return new Transfer(task);
    }

    public void Complete() => _currentStep?.Value(_currentStep.MaxValue);

    private sealed class Transfer(ProgressTask task) : ITransferObserver
    {
        public void Report(long value)
        {
            if (!task.IsIndeterminate) task.Value(value);
        }

        public void Dispose()
        {
            task.IsIndeterminate = false;
            task.Value(task.MaxValue);
            task.StopTask();
        }
    }

    public static async Task<T> RunAsync<T>(Func<IOperationObserver, Task<T>> body)
    {
        T result = default!;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var observer = new SpectreObserver(ctx);
                result = await body(observer);
                observer.Complete();
            });
        return result;
    }
}
