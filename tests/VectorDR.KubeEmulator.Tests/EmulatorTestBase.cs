using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>
/// One emulator per test class (started and stopped around the class's tests), with a KubernetesClient and a raw
/// HttpClient that both verify the server against the emulator's CA and send its token.
/// </summary>
public abstract class EmulatorTestBase : IAsyncLifetime
{
    protected KubeEmulatorHost Host { get; private set; } = null!;
    protected Kubernetes Client { get; private set; } = null!;
    protected HttpClient Http { get; private set; } = null!;

    protected virtual KubeEmulatorOptions Options => new() { BookmarkInterval = TimeSpan.FromMilliseconds(200) };

    public async Task InitializeAsync()
    {
        Host = await KubeEmulatorHost.StartAsync(Options);
        Client = new Kubernetes(Host.ClientConfiguration);
        Http = CreateHttpClient(Host, Host.Token);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        Client.Dispose();
        await Host.DisposeAsync();
    }

    /// <summary>An HttpClient trusting only the emulator's CA (custom root trust), optionally without a token.</summary>
    internal static HttpClient CreateHttpClient(KubeEmulatorHost host, string? token)
    {
        var ca = X509CertificateLoader.LoadCertificate(host.CaCertificate.RawData);
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            },
        };
        var client = new HttpClient(handler) { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    protected static string TestData(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", name);

    /// <summary>Creates the test Widget CRD (widgets.test.vectordr.io) through the API.</summary>
    protected async Task CreateWidgetCrdAsync()
    {
        var crd = (JsonObject)VectorDR.KubeEmulator.Api.Yaml.ParseDocuments(await File.ReadAllTextAsync(TestData("widgets-crd.yaml")))[0]!;
        var (status, body) = await SendAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        Assert.True(status == 201, body.ToJsonString());
    }

    protected const string Widgets = "/apis/test.vectordr.io/v1alpha1/namespaces/default/widgets";

    protected static JsonObject Widget(string name, JsonObject spec) => new()
    {
        ["apiVersion"] = "test.vectordr.io/v1alpha1",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = spec,
    };

    protected async Task<(int Status, JsonObject Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!.AsObject());
    }

    protected async Task<JsonObject> CreateWidgetAsync(string name, JsonObject spec)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, Widgets, Widget(name, spec));
        Assert.True(status == 201, body.ToJsonString());
        return body;
    }

    protected static string Rv(JsonObject obj) => obj["metadata"]!["resourceVersion"]!.GetValue<string>();

    /// <summary>Waits (polling) until <paramref name="condition"/> holds; the emulator's controllers are synchronous, so this is short.</summary>
    protected static async Task Eventually(Func<Task<bool>> condition, string what, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            await Task.Delay(20);
        }
    }
}
