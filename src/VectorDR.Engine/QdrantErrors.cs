using System.Net;
using VectorDR.Core.Errors;
using VectorDR.Qdrant;

namespace VectorDR.Engine;

/// <summary>Turns Qdrant's refusals into messages that tell an operator what to fix.</summary>
internal static class QdrantErrors
{
    /// <summary>
    /// Runs a Qdrant call; a 401 becomes "the API key was rejected", a 403 names the access <paramref name="needs"/>.
    /// </summary>
    public static async Task<T> Guard<T>(IQdrantClient qdrant, string needs, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (QdrantApiException e) when (e.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new InvalidInputException(
                $"Qdrant at {qdrant.BaseAddress} rejected the API key ({e.QdrantMessage}); check --api-key-file or QDRANT_API_KEY", e);
        }
        catch (QdrantApiException e) when (e.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new InvalidInputException(
                $"the API key for Qdrant at {qdrant.BaseAddress} lacks the permission to {needs} ({e.QdrantMessage})", e);
        }
    }

    public static Task Guard(IQdrantClient qdrant, string needs, Func<Task> call) =>
        Guard(qdrant, needs, async () => { await call().ConfigureAwait(false); return true; });

    /// <summary>The first exception of type <typeparamref name="T"/> in a chain (ours may be wrapped by HttpClient).</summary>
    public static T? Find<T>(Exception e) where T : Exception
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is T t) return t;
            if (x is AggregateException a && a.InnerExceptions.Select(Find<T>).FirstOrDefault(f => f is not null) is { } f) return f;
        }
        return null;
    }
}
