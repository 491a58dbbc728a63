using System.Text;
using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>
/// Builds a container's process from its spec, as the kubelet builds a container's configuration: image → entrypoint,
/// command/args with <c>$(VAR)</c> expansion, envFrom and env (secretKeyRef, configMapKeyRef, fieldRef) resolved now,
/// volumes mapped to local folders (Secret and ConfigMap volumes written there first, as the kubelet projects them),
/// and the termination-message path mapped to the container's own file in the pod's folder.
/// </summary>
internal sealed class ContainerConfigResolver(ImageMap images, IEmulatorCluster cluster, IReadOnlyList<string> inheritedEnvironment,
    IReadOnlyDictionary<string, string> persistentVolumeClaims)
{
    /// <summary>Set to the container's termination-message file; a local process cannot have its own /dev/termination-log.</summary>
    public const string TerminationMessagePathVariable = "TERMINATION_MESSAGE_PATH";

    public LaunchDecision Resolve(JsonObject pod, JsonObject container, ContainerPaths paths)
    {
        var terminationMessageFile = paths.TerminationMessageFile;
        var ns = Str(pod["metadata"], "namespace") ?? "default";
        // The kubelet mounts a pod's volumes before it pulls images or builds a container's configuration.
        var (mounts, mountError) = MountMappings(pod, container, paths.PodDirectory, ns);
        if (mountError is not null)
        {
            return new LaunchDecision.MountError(mountError);
        }

        var image = Str(container, "image") ?? "";
        var entrypoint = images.Resolve(image);
        if (entrypoint is null)
        {
            return new LaunchDecision.ImageUnavailable(
                $"Back-off pulling image \"{image}\": the image is not in the kube-emulator image map (map it with --image-map {ImageMap.Repository(image)}=PATH or LocalProcessJobRunnerOptions.Images)");
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in inheritedEnvironment)
        {
            if (System.Environment.GetEnvironmentVariable(name) is { } value)
            {
                environment[name] = value;
            }
        }

        environment["HOSTNAME"] = Str(pod["metadata"], "name") ?? "";
        var declared = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ResolveEnvFrom(container, ns, declared) is { } envFromError)
        {
            return new LaunchDecision.ConfigError(envFromError);
        }

        foreach (var variable in (container["env"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var name = Str(variable, "name") ?? "";
            if (variable["valueFrom"] is JsonObject source)
            {
                var (value, error) = ResolveValueFrom(pod, container, ns, source);
                if (error is not null)
                {
                    return new LaunchDecision.ConfigError(error);
                }

                if (value is not null)
                {
                    declared[name] = value;
                }
            }
            else
            {
                // Earlier variables are visible to later ones, as in Kubernetes.
                declared[name] = Expand(Str(variable, "value") ?? "", declared);
            }
        }

        var terminationPath = Str(container, "terminationMessagePath") ?? "/dev/termination-log";
        string MapPath(string value) => PathMapping.Apply(value.Replace(terminationPath, terminationMessageFile, StringComparison.Ordinal), mounts);
        foreach (var (name, value) in declared)
        {
            environment[name] = MapPath(value);
        }

        environment[TerminationMessagePathVariable] = terminationMessageFile;

        var command = Strings(container["command"]).Select(c => MapPath(Expand(c, declared))).ToList();
        var args = Strings(container["args"]).Select(a => MapPath(Expand(a, declared))).ToList();
        string fileName;
        List<string> arguments;
        if (command.Count == 0)
        {
            // No command: the image's entrypoint (the mapped executable) runs with args (the image's CMD is unknown: none).
            fileName = entrypoint;
            arguments = args;
        }
        else
        {
            var resolved = images.ResolveCommand(command[0], entrypoint, environment.GetValueOrDefault("PATH"));
            if (resolved is null)
            {
                return new LaunchDecision.StartError(
                    $"failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"{command[0]}\": executable file not found in $PATH: unknown");
            }

            fileName = resolved;
            arguments = [.. command.Skip(1), .. args];
        }

        var workingDirectory = Str(container, "workingDir") is { Length: > 0 } dir && Directory.Exists(MapPath(dir)) ? MapPath(dir) : paths.ContainerDirectory;
        return new LaunchDecision.Ready(new ContainerLaunch(fileName, arguments, environment, workingDirectory, terminationMessageFile));
    }

    /// <summary>
    /// mountPath → local folder for the container's volumeMounts that can be honoured: hostPath (its path), emptyDir (a
    /// folder of the pod's own), Secret and ConfigMap volumes (their keys written as files into a folder of the pod's
    /// own) and PersistentVolumeClaims named in the options. Other volumes are ignored. A Secret or ConfigMap volume that
    /// cannot be set up is the kubelet's FailedMount, in its words.
    /// </summary>
    private (IReadOnlyList<(string MountPath, string Local)> Mounts, string? Error) MountMappings(JsonObject pod, JsonObject container, string podDirectory, string ns)
    {
        var volumes = (pod["spec"]?["volumes"] as JsonArray)?.OfType<JsonObject>().ToDictionary(v => Str(v, "name") ?? "", StringComparer.Ordinal) ?? [];
        var mappings = new List<(string, string)>();
        foreach (var mount in (container["volumeMounts"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            if (Str(mount, "mountPath") is not { Length: > 1 } mountPath || !volumes.TryGetValue(Str(mount, "name") ?? "", out var volume))
            {
                continue;
            }

            var volumeName = Str(volume, "name")!;
            var podVolume = Path.Combine(podDirectory, "volumes", volumeName);
            string? local = null;
            if (Str(volume["hostPath"], "path") is { } hostPath)
            {
                local = hostPath;
            }
            else if (volume["emptyDir"] is JsonObject)
            {
                local = podVolume;
            }
            else if (ProjectedSource(volume, ns) is { } projected)
            {
                if (Project(projected.Spec, projected.Files, podVolume, projected.NotFound, projected.MissingKey) is { } error)
                {
                    return ([], $"MountVolume.SetUp failed for volume \"{volumeName}\" : {error}");
                }

                local = podVolume;
            }
            else if (Str(volume["persistentVolumeClaim"], "claimName") is { } claim && persistentVolumeClaims.TryGetValue(claim, out var claimDirectory))
            {
                local = claimDirectory;
            }

            if (local is null)
            {
                continue;
            }

            if (Str(mount, "subPath") is { Length: > 0 } subPath)
            {
                local = Path.Combine(local, subPath);
            }

            Directory.CreateDirectory(local);
            mappings.Add((mountPath.TrimEnd('/'), local));
        }

        return (mappings, null);
    }

    /// <summary>A Secret or ConfigMap volume: its spec, the object's keys (null when it does not exist) and the kubelet's words for what can be missing.</summary>
    private (JsonObject Spec, IReadOnlyDictionary<string, byte[]>? Files, string NotFound, string MissingKey)? ProjectedSource(JsonObject volume, string ns)
    {
        if (volume["secret"] is JsonObject secret)
        {
            var name = Str(secret, "secretName") ?? "";
            return (secret, SecretFiles(ns, name), $"secret \"{name}\" not found", "references non-existent secret key");
        }

        if (volume["configMap"] is JsonObject configMap)
        {
            var name = Str(configMap, "name") ?? "";
            return (configMap, ConfigMapFiles(ns, name), $"configmap \"{name}\" not found", "configmap references non-existent config key");
        }

        return null;
    }

    /// <summary>
    /// Writes a Secret's or ConfigMap's keys into <paramref name="folder"/>: every key as a file of its name, or only the
    /// listed items at their paths. A missing source or listed key fails unless the volume (or the item) is optional.
    /// </summary>
    private static string? Project(JsonObject source, IReadOnlyDictionary<string, byte[]>? data, string folder, string notFound, string missingKey)
    {
        var optional = source["optional"]?.GetValue<bool>() == true;
        if (data is null && !optional)
        {
            return notFound;
        }

        data ??= new Dictionary<string, byte[]>();
        var files = new List<(string Path, byte[] Content)>();
        if (source["items"] is JsonArray { Count: > 0 } items)
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                var key = Str(item, "key") ?? "";
                if (!data.TryGetValue(key, out var content))
                {
                    if (optional)
                    {
                        continue;
                    }

                    return $"{missingKey}: {key}";
                }

                files.Add((Str(item, "path") ?? key, content));
            }
        }
        else
        {
            files.AddRange(data.Select(kv => (kv.Key, kv.Value)));
        }

        Directory.CreateDirectory(folder);
        foreach (var (path, content) in files)
        {
            var file = Path.GetFullPath(Path.Combine(folder, path));
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, content);
        }

        return null;
    }

    private string? ResolveEnvFrom(JsonObject container, string ns, Dictionary<string, string> declared)
    {
        foreach (var source in (container["envFrom"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var prefix = Str(source, "prefix") ?? "";
            var (reference, isSecret) = source["secretRef"] is JsonObject s ? (s, true) : (source["configMapRef"] as JsonObject, false);
            if (reference is null)
            {
                continue;
            }

            var name = Str(reference, "name") ?? "";
            var data = isSecret ? SecretData(ns, name) : ConfigMapData(ns, name);
            if (data is null)
            {
                if (reference["optional"]?.GetValue<bool>() == true)
                {
                    continue;
                }

                return $"{(isSecret ? "secret" : "configmap")} \"{name}\" not found";
            }

            foreach (var (key, value) in data)
            {
                declared[prefix + key] = value;
            }
        }

        return null;
    }

    private (string? Value, string? Error) ResolveValueFrom(JsonObject pod, JsonObject container, string ns, JsonObject source)
    {
        if (source["secretKeyRef"] is JsonObject secretRef)
        {
            return KeyRef(secretRef, "secret", "Secret", SecretData(ns, Str(secretRef, "name") ?? ""), ns);
        }

        if (source["configMapKeyRef"] is JsonObject configMapRef)
        {
            return KeyRef(configMapRef, "configmap", "ConfigMap", ConfigMapData(ns, Str(configMapRef, "name") ?? ""), ns);
        }

        if (source["fieldRef"] is JsonObject fieldRef)
        {
            var path = Str(fieldRef, "fieldPath") ?? "";
            return (FieldValue(pod, path), null);
        }

        if (source["resourceFieldRef"] is JsonObject resourceRef)
        {
            // No resource accounting: the declared value when there is one, "0" otherwise.
            var resource = Str(resourceRef, "resource") ?? "";
            var dot = resource.IndexOf('.', StringComparison.Ordinal);
            var declaredValue = dot < 0 ? null : container["resources"]?[resource[..dot]]?[resource[(dot + 1)..]]?.ToString();
            return (declaredValue ?? "0", null);
        }

        return (null, null);
    }

    /// <summary>The kubelet's wording: <c>secret "x" not found</c>, <c>couldn't find key k in Secret ns/x</c>.</summary>
    private static (string? Value, string? Error) KeyRef(JsonObject reference, string lowerKind, string kind, IReadOnlyDictionary<string, string>? data, string ns)
    {
        var name = Str(reference, "name") ?? "";
        var key = Str(reference, "key") ?? "";
        var optional = reference["optional"]?.GetValue<bool>() == true;
        if (data is null)
        {
            return optional ? (null, null) : (null, $"{lowerKind} \"{name}\" not found");
        }

        return data.TryGetValue(key, out var value) ? (value, null)
            : optional ? (null, null)
            : (null, $"couldn't find key {key} in {kind} {ns}/{name}");
    }

    private IReadOnlyDictionary<string, string>? SecretData(string ns, string name) =>
        SecretFiles(ns, name)?.ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetString(kv.Value), StringComparer.Ordinal);

    private IReadOnlyDictionary<string, byte[]>? SecretFiles(string ns, string name) =>
        cluster.Get("v1", "secrets", ns, name) is { } secret
            ? (secret["data"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => Convert.FromBase64String(kv.Value?.GetValue<string>() ?? ""), StringComparer.Ordinal)
            : null;

    private IReadOnlyDictionary<string, byte[]>? ConfigMapFiles(string ns, string name)
    {
        if (cluster.Get("v1", "configmaps", ns, name) is not { } configMap)
        {
            return null;
        }

        var files = (configMap["data"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetBytes(kv.Value?.GetValue<string>() ?? ""), StringComparer.Ordinal);
        foreach (var (key, value) in configMap["binaryData"] as JsonObject ?? [])
        {
            files[key] = Convert.FromBase64String(value?.GetValue<string>() ?? "");
        }

        return files;
    }

    private IReadOnlyDictionary<string, string>? ConfigMapData(string ns, string name) =>
        cluster.Get("v1", "configmaps", ns, name) is { } configMap
            ? (configMap["data"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? "", StringComparer.Ordinal)
            : null;

    private static string FieldValue(JsonObject pod, string path)
    {
        static string Bracketed(string path, string prefix) => path[(prefix.Length + 1)..^1].Trim('\'', '"');
        return path switch
        {
            "metadata.name" or "metadata.namespace" or "metadata.uid" => Str(pod["metadata"], path["metadata.".Length..]) ?? "",
            _ when path.StartsWith("metadata.labels[", StringComparison.Ordinal) => pod["metadata"]?["labels"]?[Bracketed(path, "metadata.labels")]?.GetValue<string>() ?? "",
            _ when path.StartsWith("metadata.annotations[", StringComparison.Ordinal) => pod["metadata"]?["annotations"]?[Bracketed(path, "metadata.annotations")]?.GetValue<string>() ?? "",
            "spec.nodeName" => Str(pod["spec"], "nodeName") ?? "",
            "spec.serviceAccountName" => Str(pod["spec"], "serviceAccountName") ?? "default",
            "status.hostIP" or "status.podIP" or "status.hostIPs" or "status.podIPs" => PodStatusBuilder.PodIp,
            _ => "",
        };
    }

    /// <summary>Kubernetes' <c>$(VAR)</c> expansion: defined variables are substituted, <c>$$</c> escapes, anything else stays as written.</summary>
    internal static string Expand(string input, IReadOnlyDictionary<string, string> variables)
    {
        if (!input.Contains('$', StringComparison.Ordinal))
        {
            return input;
        }

        var output = new StringBuilder(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] != '$' || i + 1 >= input.Length)
            {
                output.Append(input[i]);
                continue;
            }

            if (input[i + 1] == '$')
            {
                output.Append('$');
                i++;
                continue;
            }

            var close = input[i + 1] == '(' ? input.IndexOf(')', i + 2) : -1;
            if (close > 0 && variables.TryGetValue(input[(i + 2)..close], out var value))
            {
                output.Append(value);
                i = close;
                continue;
            }

            output.Append('$');
        }

        return output.ToString();
    }

    private static IEnumerable<string> Strings(JsonNode? node) => (node as JsonArray)?.Select(n => n?.GetValue<string>() ?? "") ?? [];

    private static string? Str(JsonNode? node, string field) => node?[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
