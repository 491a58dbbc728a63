using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VectorDR.Storage.Tests.Support;

/// <summary>
/// A loopback TCP proxy in front of the S3 server that misbehaves on purpose:
/// answers the first <see cref="SlowDownResponses"/> requests with 503 SlowDown, and cuts up to
/// <see cref="ConnectionCuts"/> connections once <see cref="CutAfterBytes"/> request bytes went through them.
/// Every other byte is forwarded unchanged. A faulted connection is closed, so each fault costs the client one request.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;
    private int _slowDownsLeft;
    private int _cutsLeft;
    private int _slowDownsSent;
    private int _cutsMade;
    private int _requests;
    private readonly Func<string, bool> _slowDownWhen;

    /// <summary>Every request's line and headers as the client sent them (to check what a client signed and sent).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> RequestHeads { get; } = new();
    private readonly Func<string, bool> _measured;
    private int _concurrent;
    private int _maxConcurrent;

    /// <param name="slowDownWhen">Which requests (by request line, e.g. "PUT /b/k?partNumber=1&amp;uploadId=… HTTP/1.1") may get a 503; null = all.</param>
    public FaultProxy(string upstreamEndpoint, int slowDownResponses = 0, int connectionCuts = 0, long cutAfterBytes = long.MaxValue,
        Func<string, bool>? slowDownWhen = null, Func<string, bool>? measureConcurrencyOf = null)
    {
        _measured = measureConcurrencyOf ?? (_ => false);
        _slowDownWhen = slowDownWhen ?? (_ => true);
        var uri = new Uri(upstreamEndpoint);
        _upstream = new IPEndPoint(IPAddress.Parse(uri.Host), uri.Port);
        _slowDownsLeft = slowDownResponses;
        _cutsLeft = connectionCuts;
        CutAfterBytes = cutAfterBytes;
        _listener.Start();
        Endpoint = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _acceptLoop = AcceptLoopAsync();
    }

    public string Endpoint { get; }

    public long CutAfterBytes { get; }

    public int SlowDownsSent => Volatile.Read(ref _slowDownsSent);

    public int CutsMade => Volatile.Read(ref _cutsMade);

    public int Connections => Volatile.Read(ref _requests);

    /// <summary>The most requests matching <c>measureConcurrencyOf</c> that were in progress at the same time.</summary>
    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

    /// <summary>Stops injecting faults (e.g. before checking what was left behind through the proxy).</summary>
    public void Heal()
    {
        Interlocked.Exchange(ref _slowDownsLeft, 0);
        Interlocked.Exchange(ref _cutsLeft, 0);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            lock (_connections) _connections.Add(HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using var _ = client;
        var ct = _stop.Token;
        try
        {
            var downstream = client.GetStream();
            var head = await ReadHeadAsync(downstream, ct);
            if (head is null) return;
            Interlocked.Increment(ref _requests);
            RequestHeads.Enqueue(Encoding.ASCII.GetString(head.Raw));
            if (_measured(head.RequestLine))
            {
                var now = Interlocked.Increment(ref _concurrent);
                int seen;
                while ((seen = Volatile.Read(ref _maxConcurrent)) < now && Interlocked.CompareExchange(ref _maxConcurrent, now, seen) != seen)
                {
                }

                var done = 0;
                void Done()
                {
                    if (Interlocked.Exchange(ref done, 1) == 0) Interlocked.Decrement(ref _concurrent);
                }

                try
                {
                    await ForwardAsync(client, downstream, head, Done, ct);
                }
                finally
                {
                    Done();
                }

                return;
            }

            await ForwardAsync(client, downstream, head, () => { }, ct);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // connections end in every way imaginable here; the client sees what it sees
        }
    }

    /// <param name="responded">Called once the request is over (the response was relayed, or the connection cut).</param>
    private async Task ForwardAsync(TcpClient client, NetworkStream downstream, RequestHead head, Action responded, CancellationToken ct)
    {
        {
            if (_slowDownWhen(head.RequestLine) && TryTake(ref _slowDownsLeft))
            {
                Interlocked.Increment(ref _slowDownsSent);
                await RespondSlowDownAsync(downstream, head, ct);
                return;
            }

            using var upstream = new TcpClient();
            await upstream.ConnectAsync(_upstream, ct);
            var upstreamStream = upstream.GetStream();
            // One request per connection (Connection: close), so every request passes the fault decision above.
            await upstreamStream.WriteAsync(head.WithConnectionClose(), ct);
            var cut = Volatile.Read(ref _cutsLeft) > 0;
            using var connection = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var up = PumpAsync(downstream, upstreamStream, head.Raw.Length, cut, connection.Token);
            var down = PumpAsync(upstreamStream, downstream, 0, false, connection.Token);
            await Task.WhenAny(up, down);
            responded();
            if (up.IsCompletedSuccessfully && up.Result)
            {
                // cut: reset both sides mid-request, as a dropped network path would
                client.Client.LingerState = new LingerOption(true, 0);
                upstream.Client.LingerState = new LingerOption(true, 0);
            }
            else
            {
                await Task.WhenAny(Task.WhenAll(up, down), Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
            }

            await connection.CancelAsync();
        }
    }

    /// <summary>Copies until EOF; returns true when it cut the connection.</summary>
    private async Task<bool> PumpAsync(Stream from, Stream to, long alreadySent, bool mayCut, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var sent = alreadySent;
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, ct)) > 0)
            {
                if (mayCut && sent + n > CutAfterBytes && TryTake(ref _cutsLeft))
                {
                    Interlocked.Increment(ref _cutsMade);
                    return true;
                }

                await to.WriteAsync(buffer.AsMemory(0, n), ct);
                sent += n;
            }

            // half-close so the other side sees the end of this direction
            if (to is NetworkStream ns) ns.Socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        return false;
    }

    private static async Task RespondSlowDownAsync(NetworkStream downstream, RequestHead head, CancellationToken ct)
    {
        // Without "Expect: 100-continue" the body is on its way: drain it, or the client would see a reset, not a 503.
        if (!head.ExpectsContinue && head.ContentLength > 0)
        {
            var buffer = new byte[64 * 1024];
            var left = head.ContentLength;
            while (left > 0)
            {
                var n = await downstream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct);
                if (n == 0) break;
                left -= n;
            }
        }

        var body = head.IsHead ? "" :
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>";
        var response = $"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
        await downstream.WriteAsync(Encoding.UTF8.GetBytes(response), ct);
        await downstream.FlushAsync(ct);
        downstream.Socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task<RequestHead?> ReadHeadAsync(NetworkStream stream, CancellationToken ct)
    {
        var raw = new List<byte>(2048);
        var one = new byte[1];
        while (raw.Count < 64 * 1024)
        {
            if (await stream.ReadAsync(one, ct) == 0) return null;
            raw.Add(one[0]);
            var c = raw.Count;
            if (c >= 4 && raw[c - 4] == '\r' && raw[c - 3] == '\n' && raw[c - 2] == '\r' && raw[c - 1] == '\n') break;
        }

        var text = Encoding.ASCII.GetString(raw.ToArray());
        var lines = text.Split("\r\n");
        long contentLength = 0;
        var expects = false;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) contentLength = long.Parse(value);
            if (name.Equals("Expect", StringComparison.OrdinalIgnoreCase) && value.Contains("100-continue", StringComparison.OrdinalIgnoreCase)) expects = true;
        }

        return new RequestHead(raw.ToArray(), lines[0], lines[0].StartsWith("HEAD ", StringComparison.Ordinal), contentLength, expects);
    }

    private static bool TryTake(ref int budget)
    {
        while (true)
        {
            var current = Volatile.Read(ref budget);
            if (current <= 0) return false;
            if (Interlocked.CompareExchange(ref budget, current - 1, current) == current) return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        Task[] open;
        lock (_connections) open = [.. _connections];
        await Task.WhenAll(open);
        _stop.Dispose();
    }

    private sealed record RequestHead(byte[] Raw, string RequestLine, bool IsHead, long ContentLength, bool ExpectsContinue)
    {
        public byte[] WithConnectionClose()
        {
            var lines = Encoding.ASCII.GetString(Raw).Split("\r\n").Where(l => !l.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase)).ToList();
            lines.Insert(1, "Connection: close");
            return Encoding.ASCII.GetBytes(string.Join("\r\n", lines));
        }
    }
}
