using VectorDR.Operator.Bench;

namespace VectorDR.Operator.Tests.Bench;

/// <summary>The benchmarks' requests-per-minute figures come from the operator's own /metrics: the parsing must be exact.</summary>
public sealed class ApiRequestCountsTests
{
    private const string Exposition = """
        # HELP vectordr_kube_api_requests_total Requests sent to the Kubernetes API server, by verb and resource.
        # TYPE vectordr_kube_api_requests_total counter
        vectordr_kube_api_requests_total{verb="get",resource="leases"} 30
        vectordr_kube_api_requests_total{verb="update",resource="leases"} 29
        vectordr_kube_api_requests_total{verb="watch",resource="jobs"} 2
        vectordr_kube_api_requests_total{verb="create",resource="jobs"} 400
        vectordr_kube_api_requests_total{verb="update",resource="backuppolicies/status"} 6e+02
        controller_runtime_reconcile_total{controller="backuppolicy",result="success"} 9999
        dotnet_total_memory_bytes 40000000
        """;

    [Fact]
    public void Reads_each_verb_and_resource_and_nothing_else()
    {
        var counts = ApiRequestCounts.Parse(Exposition);

        Assert.Equal(5, counts.ByKind.Count);
        Assert.Equal(1061, counts.Total);
        Assert.Equal(59, counts.Lease);
        Assert.Equal(2, counts.Watch);
        Assert.Equal(1000, counts.Other);
        Assert.Equal(new Dictionary<string, long> { ["create jobs"] = 400, ["update backuppolicies/status"] = 600 }, counts.Others());
    }

    [Fact]
    public void Since_is_the_difference_and_drops_kinds_that_did_not_move()
    {
        var earlier = ApiRequestCounts.Parse(Exposition);
        var later = ApiRequestCounts.Parse(Exposition
            .Replace("{verb=\"create\",resource=\"jobs\"} 400", "{verb=\"create\",resource=\"jobs\"} 410", StringComparison.Ordinal)
            + "\nvectordr_kube_api_requests_total{verb=\"create\",resource=\"events\"} 3\n");

        var delta = later.Since(earlier);

        Assert.Equal(new Dictionary<string, long> { ["create jobs"] = 10, ["create events"] = 3 }, delta.ByKind);
    }

    [Fact]
    public void An_operator_that_sent_nothing_yet_has_no_counts() =>
        Assert.Equal(0, ApiRequestCounts.Parse("# HELP vectordr_kube_api_requests_total x\n# TYPE vectordr_kube_api_requests_total counter\n").Total);
}
