using System.Text.Json;
using System.Text.Json.Nodes;
using VectorDR.QdrantEmulator.Http;
using VectorDR.QdrantEmulator.Model;

namespace VectorDR.QdrantEmulator.Endpoints;

/// <summary>Writes <c>Record</c> / <c>ScoredPoint</c> objects.</summary>
internal static class PointWriter
{
    public static void Write(Utf8JsonWriter w, CollectionConfig config, StoredPoint point, PayloadSelector payload, VectorSelector vectors, float? score)
    {
        w.WriteStartObject();
        w.WritePropertyName("id");
        point.Id.WriteTo(w);
        if (score is { } s)
        {
            w.WriteNumber("version", point.Version);
            w.WriteNumber("score", s);
        }

        if (payload.Enabled)
        {
            w.WritePropertyName("payload");
            if (point.Payload is { } bytes)
            {
                PayloadTools.Write(w, bytes, payload);
            }
            else
            {
                w.WriteStartObject();
                w.WriteEndObject();
            }
        }

        if (vectors.Enabled)
        {
            w.WritePropertyName("vector");
            if (!config.NamedVectors && vectors.Names is null)
            {
                WriteFloats(w, point.Vectors.Length > 0 ? point.Vectors[0] : null);
            }
            else
            {
                w.WriteStartObject();
                for (var i = 0; i < config.Vectors.Count && i < point.Vectors.Length; i++)
                {
                    if (point.Vectors[i] is { } v && (vectors.Names is null || vectors.Names.Contains(config.Vectors[i].Name)))
                    {
                        w.WritePropertyName(config.Vectors[i].Name);
                        WriteFloats(w, v);
                    }
                }

                w.WriteEndObject();
            }
        }

        w.WriteEndObject();
    }

    private static void WriteFloats(Utf8JsonWriter w, float[]? vector)
    {
        w.WriteStartArray();
        foreach (var value in vector ?? [])
        {
            w.WriteNumberValue(value);
        }

        w.WriteEndArray();
    }
}
