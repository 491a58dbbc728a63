using Xunit.Abstractions;
using Xunit.Sdk;

namespace VectorDR.Storage.Tests.Support;

/// <summary>Marks a test class that needs the S3 server: its tests are skipped (not passed, not failed) when VDR_SKIP_S3=1.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresS3Attribute : Attribute;

/// <summary>A [Fact] that honours <see cref="RequiresS3Attribute"/> on the (possibly derived) test class.</summary>
[XunitTestCaseDiscoverer("VectorDR.Storage.Tests.Support.StoreTestDiscoverer", "VectorDR.Storage.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute;

/// <summary>A [Theory] that honours <see cref="RequiresS3Attribute"/> on the (possibly derived) test class.</summary>
[XunitTestCaseDiscoverer("VectorDR.Storage.Tests.Support.StoreTestDiscoverer", "VectorDR.Storage.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreTheoryAttribute : TheoryAttribute;

/// <summary>
/// Contract tests live in an abstract class and run once per backend, so a skip must be decided per concrete class,
/// which a plain attribute cannot see. This discoverer does, then defers to xunit's own fact/theory discovery.
/// </summary>
public sealed class StoreTestDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    private readonly FactDiscoverer _facts = new(diagnosticMessageSink);
    private readonly TheoryDiscoverer _theories = new(diagnosticMessageSink);

    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var needsS3 = testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresS3Attribute)).Any();
        if (needsS3 && S3TestSettings.SkipRequested)
        {
            return
            [
                new XunitSkippedDataRowTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
                    discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, $"{S3TestSettings.SkipVariable}=1: S3 tests skipped on request"),
            ];
        }

        var isTheory = factAttribute is IReflectionAttributeInfo { Attribute: TheoryAttribute };
        return isTheory ? _theories.Discover(discoveryOptions, testMethod, factAttribute) : _facts.Discover(discoveryOptions, testMethod, factAttribute);
    }
}
