namespace VectorDR.QdrantEmulator.Http;

/// <summary>
/// An error answered with Qdrant's error envelope. The message already carries the kind prefix Qdrant uses
/// (<c>Not found: </c>, <c>Wrong input: </c>, ...), see API-NOTES §1.3.
/// </summary>
internal sealed class QdrantApiException(int statusCode, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>Sent as <c>Retry-After</c> (seconds) for 429 answers.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static QdrantApiException CollectionNotFound(string name) => NotFound($"Collection `{name}` doesn't exist!");

    public static QdrantApiException NotFound(string detail) => new(404, $"Not found: {detail}");

    public static QdrantApiException AlreadyExists(string detail) => new(409, $"Wrong input: {detail}");

    public static QdrantApiException BadInput(string detail) => new(400, $"Wrong input: {detail}");

    public static QdrantApiException BadRequest(string detail) => new(400, $"Bad request: {detail}");

    public static QdrantApiException Forbidden(string detail) => new(403, $"Forbidden: {detail}");

    public static QdrantApiException Internal(string detail) => new(500, $"Service internal error: {detail}");

    /// <summary>JSON body that does not deserialise (actix: 400).</summary>
    public static QdrantApiException JsonFormat(string detail) => new(400, $"Format error in JSON body: {detail}");

    /// <summary>Query string that does not deserialise (actix: 400).</summary>
    public static QdrantApiException QueryFormat(string detail) => new(400, $"Query deserialize error: {detail}");

    /// <summary>A request that deserialises but fails validation (actix validator: 422).</summary>
    public static QdrantApiException Validation(string where, string detail) => new(422, $"Validation error in {where}: [{detail}]");
}
