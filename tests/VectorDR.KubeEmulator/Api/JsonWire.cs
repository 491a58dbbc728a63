using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Api;

/// <summary>JSON as the API server writes it: compact, without HTML escaping.</summary>
internal static class JsonWire
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Serialize(JsonNode node, bool newline = false)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            node.WriteTo(writer);
        }

        if (newline)
        {
            buffer.WriteByte((byte)'\n');
        }

        return buffer.ToArray();
    }
}
