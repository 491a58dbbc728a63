using System.Text;
using System.Text.Json.Nodes;
using VectorDR.KubeEmulator.Api;
using VectorDR.KubeEmulator.Storage;

namespace VectorDR.KubeEmulator.Protobuf;

/// <summary>
/// Decodes request bodies in the Kubernetes protobuf encoding (<c>application/vnd.kubernetes.protobuf</c>), which typed
/// clients of kubectl ≥ 1.33 send for built-ins (e.g. <c>kubectl create namespace|secret|configmap|serviceaccount</c>).
/// Envelope: the magic bytes "k8s\0" and a runtime.Unknown {typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2}.
/// Only the kinds in <see cref="Messages"/> are understood; others answer 415 as a JSON-only server would.
/// Responses stay JSON (clients list application/json as an acceptable fallback).
/// </summary>
internal static class KubeProtobuf
{
    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    private enum Wire
    {
        String,
        Bytes,
        Bool,
        Int,
        Time,
        Message,
        MapStringString,
        MapStringBytes,
    }

    private sealed record Field(string Name, Wire Type, bool Repeated = false, string? Message = null);

    /// <summary>Field numbers of the messages involved (the protocol's numbering, as in Kubernetes' generated.proto).</summary>
    private static readonly Dictionary<string, Dictionary<int, Field>> Messages = new()
    {
        ["ObjectMeta"] = new()
        {
            [1] = new("name", Wire.String), [2] = new("generateName", Wire.String), [3] = new("namespace", Wire.String),
            [4] = new("selfLink", Wire.String), [5] = new("uid", Wire.String), [6] = new("resourceVersion", Wire.String),
            [7] = new("generation", Wire.Int), [8] = new("creationTimestamp", Wire.Time), [9] = new("deletionTimestamp", Wire.Time),
            [10] = new("deletionGracePeriodSeconds", Wire.Int), [11] = new("labels", Wire.MapStringString),
            [12] = new("annotations", Wire.MapStringString), [13] = new("ownerReferences", Wire.Message, true, "OwnerReference"),
            [14] = new("finalizers", Wire.String, true),
        },
        ["OwnerReference"] = new()
        {
            [1] = new("kind", Wire.String), [3] = new("name", Wire.String), [4] = new("uid", Wire.String),
            [5] = new("apiVersion", Wire.String), [6] = new("controller", Wire.Bool), [7] = new("blockOwnerDeletion", Wire.Bool),
        },
        ["Namespace"] = new() { [1] = MetadataField(), [2] = new("spec", Wire.Message, false, "NamespaceSpec"), [3] = new("status", Wire.Message, false, "NamespaceStatus") },
        ["NamespaceSpec"] = new() { [1] = new("finalizers", Wire.String, true) },
        ["NamespaceStatus"] = new() { [1] = new("phase", Wire.String) },
        ["Secret"] = new()
        {
            [1] = MetadataField(), [2] = new("data", Wire.MapStringBytes), [3] = new("type", Wire.String),
            [4] = new("stringData", Wire.MapStringString), [5] = new("immutable", Wire.Bool),
        },
        ["ConfigMap"] = new()
        {
            [1] = MetadataField(), [2] = new("data", Wire.MapStringString), [3] = new("binaryData", Wire.MapStringBytes), [4] = new("immutable", Wire.Bool),
        },
        ["ServiceAccount"] = new()
        {
            [1] = MetadataField(), [2] = new("secrets", Wire.Message, true, "ObjectReference"),
            [3] = new("imagePullSecrets", Wire.Message, true, "LocalObjectReference"), [4] = new("automountServiceAccountToken", Wire.Bool),
        },
        ["ObjectReference"] = new()
        {
            [1] = new("kind", Wire.String), [2] = new("namespace", Wire.String), [3] = new("name", Wire.String), [4] = new("uid", Wire.String),
            [5] = new("apiVersion", Wire.String), [6] = new("resourceVersion", Wire.String), [7] = new("fieldPath", Wire.String),
        },
        ["LocalObjectReference"] = new() { [1] = new("name", Wire.String) },
    };

    public static JsonObject Decode(byte[] body, ResourceType type)
    {
        if (type.IsCustom || type.Group.Length > 0 || !Messages.ContainsKey(type.Kind))
        {
            throw ApiException.UnsupportedMediaType($"application/vnd.kubernetes.protobuf (the kube-emulator decodes protobuf only for core Namespace, Secret, ConfigMap and ServiceAccount; send JSON for {type.Kind})");
        }

        if (body.Length < Magic.Length || !body.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw ApiException.BadRequest("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
        }

        string? apiVersion = null, kind = null;
        byte[]? raw = null;
        var envelope = new ProtoReader(body.AsMemory(Magic.Length));
        while (envelope.Next() is var (number, _) && number > 0)
        {
            switch (number)
            {
                case 1:
                    var typeMeta = new ProtoReader(envelope.LengthDelimited());
                    while (typeMeta.Next() is var (t, _) && t > 0)
                    {
                        var value = Encoding.UTF8.GetString(typeMeta.LengthDelimited().Span);
                        (apiVersion, kind) = t == 1 ? (value, kind) : (apiVersion, value);
                    }

                    break;
                case 2:
                    raw = envelope.LengthDelimited().ToArray();
                    break;
                default:
                    envelope.Skip();
                    break;
            }
        }

        var obj = DecodeMessage(raw ?? [], type.Kind);
        obj["apiVersion"] = string.IsNullOrEmpty(apiVersion) ? type.ApiVersion : apiVersion;
        obj["kind"] = string.IsNullOrEmpty(kind) ? type.Kind : kind;
        return obj;
    }

    private static Field MetadataField() => new("metadata", Wire.Message, false, "ObjectMeta");

    private static JsonObject DecodeMessage(ReadOnlyMemory<byte> data, string message)
    {
        var fields = Messages[message];
        var result = new JsonObject();
        var reader = new ProtoReader(data);
        while (reader.Next() is var (number, _) && number > 0)
        {
            if (!fields.TryGetValue(number, out var field))
            {
                reader.Skip();
                continue;
            }

            JsonNode? value = field.Type switch
            {
                Wire.String => Encoding.UTF8.GetString(reader.LengthDelimited().Span),
                Wire.Bytes => Convert.ToBase64String(reader.LengthDelimited().Span),
                Wire.Bool => reader.Varint() != 0,
                Wire.Int => (long)reader.Varint(),
                Wire.Time => DecodeTime(reader.LengthDelimited()),
                Wire.Message => DecodeMessage(reader.LengthDelimited(), field.Message!),
                _ => null,
            };

            if (field.Type is Wire.MapStringString or Wire.MapStringBytes)
            {
                var (key, entry) = DecodeMapEntry(reader.LengthDelimited(), field.Type == Wire.MapStringBytes);
                var map = result[field.Name] as JsonObject ?? new JsonObject();
                map[key] = entry;
                result[field.Name] = map;
                continue;
            }

            if (field.Repeated)
            {
                var list = result[field.Name] as JsonArray ?? new JsonArray();
                list.Add(value);
                result[field.Name] = list;
            }
            else if (!IsZero(value))
            {
                // Go's generated marshallers write non-pointer scalars even when empty; JSON omits them (omitempty).
                result[field.Name] = value;
            }
        }

        return result;
    }

    private static (string Key, string Value) DecodeMapEntry(ReadOnlyMemory<byte> data, bool bytesValue)
    {
        var reader = new ProtoReader(data);
        string key = "", value = "";
        while (reader.Next() is var (number, _) && number > 0)
        {
            var payload = reader.LengthDelimited().Span;
            if (number == 1)
            {
                key = Encoding.UTF8.GetString(payload);
            }
            else
            {
                value = bytesValue ? Convert.ToBase64String(payload) : Encoding.UTF8.GetString(payload);
            }
        }

        return (key, value);
    }

    /// <summary>metav1.Time {seconds = 1, nanos = 2}; the zero time (an empty message) means unset.</summary>
    private static JsonNode? DecodeTime(ReadOnlyMemory<byte> data)
    {
        var reader = new ProtoReader(data);
        long seconds = 0;
        while (reader.Next() is var (number, _) && number > 0)
        {
            var v = (long)reader.Varint();
            if (number == 1)
            {
                seconds = v;
            }
        }

        return seconds == 0 ? null : Meta.Timestamp(DateTimeOffset.FromUnixTimeSeconds(seconds));
    }

    private static bool IsZero(JsonNode? value) => value switch
    {
        null => true,
        JsonObject o => o.Count == 0,
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => v.GetValue<string>().Length == 0,
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => v.GetValue<long>() == 0,
        _ => false,
    };

    /// <summary>Protobuf wire format reader (varint, 64-bit, length-delimited, 32-bit).</summary>
    private sealed class ProtoReader(ReadOnlyMemory<byte> data)
    {
        private int _position;
        private int _wireType;

        /// <summary>The next field's number and wire type, or (0, 0) at the end.</summary>
        public (int Number, int WireType) Next()
        {
            if (_position >= data.Length)
            {
                return (0, 0);
            }

            var tag = Varint();
            _wireType = (int)(tag & 7);
            return ((int)(tag >> 3), _wireType);
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_position >= data.Length)
                {
                    throw ApiException.BadRequest("truncated protobuf varint");
                }

                var b = data.Span[_position++];
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }

            throw ApiException.BadRequest("malformed protobuf varint");
        }

        public ReadOnlyMemory<byte> LengthDelimited()
        {
            var length = (int)Varint();
            if (length < 0 || _position + length > data.Length)
            {
                throw ApiException.BadRequest("truncated protobuf field");
            }

            var slice = data.Slice(_position, length);
            _position += length;
            return slice;
        }

        public void Skip()
        {
            switch (_wireType)
            {
                case 0:
                    Varint();
                    break;
                case 1:
                    _position += 8;
                    break;
                case 2:
                    LengthDelimited();
                    break;
                case 5:
                    _position += 4;
                    break;
                default:
                    throw ApiException.BadRequest($"unsupported protobuf wire type {_wireType}");
            }
        }
    }
}
