using System.Text.Json.Nodes;

namespace VectorDR.KubeEmulator.Api;

/// <summary>An API failure that is answered with a <c>meta/v1 Status</c> body, exactly as a real API server words it.</summary>
internal sealed class ApiException : Exception
{
    public ApiException(int code, string reason, string message, JsonObject? details = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    public int Code { get; }
    public string Reason { get; }
    public JsonObject? Details { get; }

    public JsonObject ToStatus() => StatusBodies.Failure(Code, Reason, Message, Details?.DeepClone().AsObject());

    public static ApiException NotFound(string resource, string group, string name) =>
        new(404, "NotFound", $"{Qualified(resource, group)} \"{name}\" not found", DetailsFor(name, group, resource));

    public static ApiException AlreadyExists(string resource, string group, string name) =>
        new(409, "AlreadyExists", $"{Qualified(resource, group)} \"{name}\" already exists", DetailsFor(name, group, resource));

    public static ApiException Conflict(string resource, string group, string name) =>
        new(409, "Conflict",
            $"Operation cannot be fulfilled on {Qualified(resource, group)} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            DetailsFor(name, group, resource));

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException Forbidden(string message) => new(403, "Forbidden", message);

    public static ApiException MethodNotAllowed(string message = "the server does not allow this method on the requested resource") =>
        new(405, "MethodNotAllowed", message);

    public static ApiException UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType",
            $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (content type {contentType})");

    public static ApiException PathNotFound() => new(404, "NotFound", "the server could not find the requested resource");

    public static ApiException Gone(long requested, long oldest) =>
        new(410, "Expired", $"too old resource version: {requested} ({oldest})");

    /// <summary>422 with one cause per field error; the message format is field.ErrorList's aggregate ("[a, b]" for several).</summary>
    public static ApiException Invalid(string qualifiedKind, string group, string name, IReadOnlyList<FieldError> errors)
    {
        var joined = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors.Select(e => e.ToString())) + "]";
        var causes = new JsonArray();
        foreach (var error in errors)
        {
            causes.Add(new JsonObject { ["reason"] = error.Reason, ["message"] = error.Detail, ["field"] = error.Field });
        }

        var kind = qualifiedKind.Split('.')[0];
        var details = new JsonObject { ["name"] = name };
        if (group.Length > 0)
        {
            details["group"] = group;
        }

        details["kind"] = kind;
        details["causes"] = causes;
        return new ApiException(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {joined}", details);
    }

    private static string Qualified(string resource, string group) => group.Length == 0 ? resource : $"{resource}.{group}";

    private static JsonObject DetailsFor(string name, string group, string resource)
    {
        var details = new JsonObject { ["name"] = name };
        if (group.Length > 0)
        {
            details["group"] = group;
        }

        details["kind"] = resource;
        return details;
    }
}

/// <summary>One field.Error: <c>field: Type: detail</c>, e.g. <c>spec.x: Invalid value: -1: spec.x in body should be ...</c>.</summary>
internal sealed record FieldError(string Field, string Reason, string Detail)
{
    public override string ToString() => $"{Field}: {Detail}";

    public static FieldError Required(string field, string? why = null) =>
        new(field, "FieldValueRequired", why is null ? "Required value" : $"Required value: {why}");

    public static FieldError Invalid(string field, string renderedValue, string why) =>
        new(field, "FieldValueInvalid", $"Invalid value: {renderedValue}: {why}");

    public static FieldError NotSupported(string field, string renderedValue, IEnumerable<string> supported) =>
        new(field, "FieldValueNotSupported", $"Unsupported value: {renderedValue}: supported values: {string.Join(", ", supported)}");

    public static FieldError Forbidden(string field, string why) => new(field, "FieldValueForbidden", $"Forbidden: {why}");

    public static FieldError TooLong(string field, long max) => new(field, "FieldValueTooLong", $"Too long: may not be more than {max} bytes");

    public static FieldError TooMany(string field, long actual, long max) =>
        new(field, "FieldValueTooMany", $"Too many: {actual}: must have at most {max} items");

    public static FieldError Duplicate(string field, string renderedValue) => new(field, "FieldValueDuplicate", $"Duplicate value: {renderedValue}");
}

internal static class StatusBodies
{
    public static JsonObject Failure(int code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        status["code"] = code;
        return status;
    }

    public static JsonObject Success(string name, string group, string resource, string? uid)
    {
        var details = new JsonObject { ["name"] = name };
        if (group.Length > 0)
        {
            details["group"] = group;
        }

        details["kind"] = resource;
        if (uid is not null)
        {
            details["uid"] = uid;
        }

        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        };
    }

    public static string ReasonFor(int code) => code switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        410 => "Expired",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    };
}
