using System.Net;
using Microsoft.Extensions.Logging;

namespace VectorDR.Qdrant.Http;

/// <summary>
/// Sends one <see cref="QdrantRequest"/> with authentication and the retry policy it declares, and returns a 2xx
/// response — or throws <see cref="QdrantApiException"/> / <see cref="QdrantUnreachableException"/>. It knows nothing
/// about JSON or particular endpoints.
/// </summary>
internal sealed class QdrantTransport(
    HttpClient http, Uri baseAddress, string? apiKey, int maxAttempts, RetryTiming timing, TimeProvider time, ILogger logger)
{
    public Uri BaseAddress => baseAddress;

    public int MaxAttempts => maxAttempts;

    public RetryTiming Timing => timing;

    public TimeProvider Time => time;

    public ILogger Logger => logger;

    public async Task<HttpResponseMessage> SendAsync(QdrantRequest request, HttpCompletionOption completion,
        CancellationToken cancellationToken)
    {
        var outcomeUnknown = false; // an earlier attempt may have reached Qdrant and done its work
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            HttpResponseMessage response;
            using (var message = CreateMessage(request))
            {
                try
                {
                    response = await http.SendAsync(message, completion, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception error) when (TransportFailure.Classify(error, cancellationToken) is { } failure)
                {
                    var mayRetry = failure.Transient && attempt < maxAttempts &&
                                   (failure.NotSent || request.Retry == RetryPolicy.Idempotent) &&
                                   (request.CanResend?.Invoke() ?? true);
                    if (!mayRetry)
                    {
                        var tries = attempt == 1 ? "" : $" (gave up after {attempt} attempts)";
                        throw new QdrantUnreachableException(baseAddress, $"{request.Operation}: {failure.Detail}{tries}", error);
                    }

                    outcomeUnknown |= !failure.NotSent;
                    var delay = timing.Backoff(attempt);
                    Log.RetryingTransport(logger, request.Operation, failure.Detail, (long)delay.TotalMilliseconds, attempt, maxAttempts);
                    await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }

            Log.Answered(logger, request.Operation, (int)response.StatusCode, attempt);
            if (response.IsSuccessStatusCode) return response;

            if (response.StatusCode == HttpStatusCode.NotFound && outcomeUnknown && request.NotFoundAfterUnknownOutcomeMeansDone)
                return response;

            if (request.Retry == RetryPolicy.Idempotent && attempt < maxAttempts && RetryTiming.IsRetryableStatus(response.StatusCode))
            {
                var delay = timing.After(response, attempt);
                Log.RetryingStatus(logger, request.Operation, response.StatusCode, (long)delay.TotalMilliseconds, attempt, maxAttempts);
                response.Dispose();
                // A 5xx or 408 (a proxy's 502/504 included) does not prove the request was not executed; 429 does.
                outcomeUnknown |= response.StatusCode != HttpStatusCode.TooManyRequests;
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            using (response)
                throw await QdrantErrorReader.ReadAsync(response, request.Operation, attempt, apiKey, cancellationToken).ConfigureAwait(false);
        }
    }

    private HttpRequestMessage CreateMessage(QdrantRequest request)
    {
        var message = new HttpRequestMessage(request.Method, new Uri(baseAddress, request.PathAndQuery.TrimStart('/')));
        if (apiKey is not null) message.Headers.TryAddWithoutValidation("api-key", apiKey);
        request.ConfigureHeaders?.Invoke(message.Headers);
        if (request.Content is { } content) message.Content = content();
        return message;
    }
}
