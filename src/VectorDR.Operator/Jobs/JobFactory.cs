using k8s;
using k8s.Models;
using Microsoft.Extensions.Options;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Hosting;

namespace VectorDR.Operator.Jobs;

/// <summary>One `vectordr` invocation in a Job: a container's name, its arguments, and its environment (secretKeyRefs only for secrets).</summary>
public sealed record JobStep(string Name, IReadOnlyList<string> Args, IReadOnlyList<V1EnvVar> Env);

/// <summary>What a Job is for: its owner, name, labels and steps.</summary>
public sealed record JobRequest(
    IKubernetesObject<V1ObjectMeta> Owner,
    string Name,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    JobTemplate? Template,
    IReadOnlyList<JobStep> Steps,
    IReadOnlyList<V1Volume> Volumes,
    IReadOnlyList<V1VolumeMount> VolumeMounts);

/// <summary>
/// Builds the batch/v1 Jobs that run the operator's own image. Steps run in order (all but the last as init
/// containers, each with its own termination message). Secrets reach the pod only through env secretKeyRefs and
/// Secret volumes, never through arguments; the owner's labels and annotations are never copied (Argo CD's tracking
/// label on a Job would make Argo CD prune it as a stray), only the project's own labels are set.
/// </summary>
public sealed class JobFactory(IOptions<OperatorOptions> options)
{
    public const string ManagedBy = "vectordr-operator";

    public V1Job Build(JobRequest request)
    {
        if (request.Steps.Count == 0) throw new ArgumentException("a Job needs at least one step", nameof(request));
        var settings = options.Value;
        var template = request.Template ?? new JobTemplate();
        var labels = new Dictionary<string, string>(request.Labels)
        {
            ["app.kubernetes.io/name"] = "vectordr",
            ["app.kubernetes.io/managed-by"] = ManagedBy,
        };

        V1Container Container(JobStep step) => new()
        {
            Name = step.Name,
            Image = settings.JobImage,
            ImagePullPolicy = settings.JobImagePullPolicy,
            Args = step.Args.ToList(),
            Env = step.Env.Count == 0 ? null : step.Env.ToList(),
            VolumeMounts = [.. request.VolumeMounts, TmpMount],
            Resources = Resources(template.Resources),
            TerminationMessagePath = "/dev/termination-log",
            // The command writes its JSON result there; if it dies before that, the log's tail explains why.
            TerminationMessagePolicy = "FallbackToLogsOnError",
            SecurityContext = new V1SecurityContext
            {
                AllowPrivilegeEscalation = false,
                ReadOnlyRootFilesystem = true,
                RunAsNonRoot = true,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
            },
        };

        var owner = request.Owner;
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta
            {
                Name = request.Name,
                NamespaceProperty = owner.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = request.Annotations.Count == 0 ? null : new Dictionary<string, string>(request.Annotations),
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = owner.ApiVersion, Kind = owner.Kind, Name = owner.Metadata.Name, Uid = owner.Metadata.Uid,
                        Controller = true, BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec = new V1JobSpec
            {
                BackoffLimit = template.BackoffLimit,
                ActiveDeadlineSeconds = template.ActiveDeadlineSeconds,
                TtlSecondsAfterFinished = settings.JobTtlSecondsAfterFinished,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        ServiceAccountName = template.ServiceAccountName,
                        AutomountServiceAccountToken = template.ServiceAccountName is not null,
                        NodeSelector = template.NodeSelector is { Count: > 0 } ns ? new Dictionary<string, string>(ns) : null,
                        Tolerations = template.Tolerations?.Select(t => new V1Toleration
                        {
                            Key = t.Key, OperatorProperty = t.Operator?.ToString(), Value = t.Value, Effect = t.Effect?.ToString(),
                            TolerationSeconds = t.TolerationSeconds,
                        }).ToList(),
                        InitContainers = request.Steps.Count > 1 ? request.Steps.Take(request.Steps.Count - 1).Select(Container).ToList() : null,
                        Containers = [Container(request.Steps[^1])],
                        Volumes = [.. request.Volumes, TmpVolume],
                        SecurityContext = new V1PodSecurityContext
                        {
                            RunAsNonRoot = true,
                            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                        },
                    },
                },
            },
        };
    }

    // The root filesystem is read-only; .NET and the AWS SDK still want a writable temp folder (nothing large goes there:
    // backups stream, they are never staged).
    private static readonly V1Volume TmpVolume = new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("64Mi") } };
    private static readonly V1VolumeMount TmpMount = new() { Name = "tmp", MountPath = "/tmp" };

    private static V1ResourceRequirements? Resources(ResourceRequirements? resources) => resources is null ? null : new V1ResourceRequirements
    {
        Limits = resources.Limits?.ToDictionary(kv => kv.Key, kv => new ResourceQuantity(kv.Value.Value)),
        Requests = resources.Requests?.ToDictionary(kv => kv.Key, kv => new ResourceQuantity(kv.Value.Value)),
    };
}
