using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Hosting;
using VectorDR.Operator.Hosting;
using static VectorDR.Operator.Tests.Integration.OperatorHarness;

namespace VectorDR.Operator.Tests.Integration;

[Collection("emulator")]
public sealed class HostConfigurationTests
{
    [Fact]
    public async Task Runs_from_a_kubeconfig_with_settings_from_the_Operator_section()
    {
        await using var h = await OperatorHarness.StartAsync();
        var kubeconfig = h.Emulator.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"vdr-{Guid.NewGuid():N}.kubeconfig"));
        try
        {
            await h.CreateSecretAsync("default", "qdrant", "api-key");
            await using var app = OperatorHost.Build(
            [
                "--kubeconfig", kubeconfig,
                "--Urls=http://127.0.0.1:0",
                "--Operator:Namespaces:0=default",
                "--Operator:Workers=3",
                "--Operator:LeaderElection:LeaseNamespace=default",
                "--Logging:LogLevel:Default=Warning",
            ]);
            var settings = app.Services.GetRequiredService<IOptions<OperatorSettings>>().Value;
            Assert.Equal(["default"], settings.Namespaces);
            Assert.Equal(3, settings.Workers);
            Assert.True(settings.LeaderElection.Enabled); // on by default
            Assert.Equal("vectordr-operator-leader", settings.LeaderElection.LeaseName);

            await app.StartAsync();
            await h.CreatePolicyAsync("p1");
            await EventuallyAsync(async () => (await h.ReadyAsync("p1"))?.Status == ConditionStatus.True, "p1 Ready", TimeSpan.FromSeconds(30));
            Assert.Contains(h.Emulator.Requests, r => r.Path.Contains("/leases/vectordr-operator-leader", StringComparison.Ordinal));
            await app.StopAsync();
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }
}
