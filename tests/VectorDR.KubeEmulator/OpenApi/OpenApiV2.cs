using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using VectorDR.KubeEmulator.Api;

namespace VectorDR.KubeEmulator.OpenApi;

/// <summary>
/// <c>/openapi/v2</c>: a valid Swagger 2.0 document without definitions. kubectl ≤ 1.27 downloads it (as gnostic protobuf)
/// before anything else in apply/create; with no definitions it finds no client-side schema and, because the v3
/// documents advertise the <c>fieldValidation</c> parameter, leaves validation to the server (as with a real server
/// that supports server-side field validation). Explain and patch metadata come from the v3 documents.
/// </summary>
internal static class OpenApiV2
{
    private const string ProtobufType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    public static async Task WriteAsync(HttpContext context, string serverVersion, CancellationToken cancellationToken)
    {
        var accept = context.Request.Headers.Accept.ToString();
        context.Response.StatusCode = 200;
        if (accept.Contains("protobuf", StringComparison.Ordinal) || context.Request.Path.Value!.Contains(".pb", StringComparison.Ordinal))
        {
            context.Response.ContentType = "application/octet-stream"; // Go's mime parser rejects the "@" of the accept type
            await context.Response.Body.WriteAsync(Protobuf(serverVersion), cancellationToken);
            return;
        }

        context.Response.ContentType = "application/json";
        var document = new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = serverVersion },
            ["paths"] = new JsonObject(),
            ["definitions"] = new JsonObject(),
        };
        await context.Response.Body.WriteAsync(JsonWire.Serialize(document), cancellationToken);
    }

    /// <summary>gnostic openapi_v2.Document { swagger = 1; info = 2 { title = 1; version = 2 } }.</summary>
    private static byte[] Protobuf(string serverVersion)
    {
        var info = Concat(Field(1, Encoding.UTF8.GetBytes("Kubernetes")), Field(2, Encoding.UTF8.GetBytes(serverVersion)));
        return Concat(Field(1, Encoding.UTF8.GetBytes("2.0")), Field(2, info));
    }

    private static byte[] Field(int number, byte[] payload)
    {
        var bytes = new List<byte> { (byte)((number << 3) | 2) };
        var length = payload.Length;
        do
        {
            var b = (byte)(length & 0x7F);
            length >>= 7;
            bytes.Add(length > 0 ? (byte)(b | 0x80) : b);
        }
        while (length > 0);

        bytes.AddRange(payload);
        return [.. bytes];
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
