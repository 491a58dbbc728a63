using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VectorDR.ControllerRuntime.Hosting;
using VectorDR.ControllerRuntime.Metrics;

namespace VectorDR.ControllerRuntime.LeaderElection;

/// <summary>Whether this instance may act. Controllers run their workers only while leading.</summary>
public interface ILeadership
{
    bool IsLeader { get; }

    /// <summary>Waits until this instance leads; the returned token is cancelled when leadership is lost.</summary>
    Task<CancellationToken> WaitForLeadershipAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Holds a coordination.k8s.io/v1 Lease through KubernetesClient's LeaderElector. Informers run on every
/// instance (so a standby is warm and ready); only the leader reconciles. On losing the lease the workers are
/// stopped and the instance campaigns again.
/// </summary>
public sealed class LeaderElectionService(IKubernetes kubernetes, IOptions<OperatorSettings> options, ILogger<LeaderElectionService> logger)
    : BackgroundService, ILeadership
{
    private readonly object _gate = new();
    private TaskCompletionSource<CancellationToken> _leading = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _term;
    private readonly LeaderElectionSettings _settings = options.Value.LeaderElection;

    public bool IsLeader { get; private set; }

    // A random suffix keeps two processes on one host (or a restarted pod) from sharing an identity.
    public string Identity { get; } = options.Value.LeaderElection.Identity
        ?? $"{Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName}_{Guid.NewGuid().ToString("N")[..8]}";

    public Task<CancellationToken> WaitForLeadershipAsync(CancellationToken cancellationToken)
    {
        lock (_gate) return _leading.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_settings.Enabled)
        {
            logger.LogInformation("Leader election disabled: this instance reconciles");
            BecomeLeader();
            return;
        }

        var ns = _settings.LeaseNamespace ?? Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? "default";
        while (!stoppingToken.IsCancellationRequested)
        {
            using var elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(kubernetes, ns, _settings.LeaseName, Identity))
            {
                LeaseDuration = _settings.LeaseDuration,
                RenewDeadline = _settings.RenewDeadline,
                RetryPeriod = _settings.RetryPeriod,
            });
            elector.OnStartedLeading += () =>
            {
                logger.LogInformation("Acquired lease {Namespace}/{Lease} as {Identity}", ns, _settings.LeaseName, Identity);
                BecomeLeader();
            };
            elector.OnStoppedLeading += () =>
            {
                if (stoppingToken.IsCancellationRequested)
                    logger.LogInformation("Shutting down: giving up lease {Namespace}/{Lease}", ns, _settings.LeaseName);
                else
                    logger.LogWarning("Lost lease {Namespace}/{Lease}; stopping reconcilers", ns, _settings.LeaseName);
                StepDown();
            };
            elector.OnNewLeader += leader => logger.LogInformation("Lease {Lease} is held by {Leader}", _settings.LeaseName, leader);
            try
            {
                await elector.RunUntilLeadershipLostAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Leader election failed; retrying");
            }
            StepDown();
            try
            {
                await Task.Delay(_settings.RetryPeriod, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        StepDown();
    }

    private void BecomeLeader()
    {
        lock (_gate)
        {
            if (IsLeader) return;
            IsLeader = true;
            _term = new CancellationTokenSource();
            _leading.TrySetResult(_term.Token);
            RuntimeMetrics.IsLeader.WithLabels(_settings.LeaseName).Set(1);
        }
    }

    private void StepDown()
    {
        lock (_gate)
        {
            if (!IsLeader) return;
            IsLeader = false;
            _leading = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
            // Not disposed: workers may still be linking to its token; cancelled is all they need to see.
            _term?.Cancel();
            _term = null;
            RuntimeMetrics.IsLeader.WithLabels(_settings.LeaseName).Set(0);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        var wasLeader = IsLeader;
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        StepDown();
        if (wasLeader && _settings.Enabled) await ReleaseAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// On a graceful shutdown, gives the lease up (controller-runtime's ReleaseOnCancel) so the standby takes over at
    /// its next retry instead of waiting for the lease to expire. The workers are already stopped at this point.
    /// </summary>
    private async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        var ns = _settings.LeaseNamespace ?? Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? "default";
        try
        {
            var lease = await kubernetes.CoordinationV1.ReadNamespacedLeaseAsync(_settings.LeaseName, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (lease.Spec?.HolderIdentity != Identity) return;
            // Empty, not null: KubernetesClient's LeaderElector treats a null holder as "no lease" and tries to create one (409 forever).
            lease.Spec.HolderIdentity = "";
            lease.Spec.LeaseDurationSeconds = 1;
            await kubernetes.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _settings.LeaseName, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Released lease {Namespace}/{Lease}", ns, _settings.LeaseName);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Best effort: the lease expires on its own.
            logger.LogWarning(e, "Could not release lease {Namespace}/{Lease}", ns, _settings.LeaseName);
        }
    }
}
