# One image for the operator and its Jobs: the Deployment runs `vectordr-operator` (its command), the backup, copy,
# prune and restore Jobs run the entrypoint `vectordr` with their arguments. Built by tests/e2e/k3d/run.sh.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/VectorDR.Cli -c Release --use-current-runtime --self-contained false -o /out/vectordr \
 && dotnet publish src/VectorDR.Operator -c Release -o /out/vectordr-operator

FROM mcr.microsoft.com/dotnet/aspnet:10.0
COPY --from=build /out/vectordr /opt/vectordr/cli
COPY --from=build /out/vectordr-operator /opt/vectordr/operator
RUN ln -s /opt/vectordr/cli/vectordr /usr/local/bin/vectordr \
 && ln -s /opt/vectordr/operator/vectordr-operator /usr/local/bin/vectordr-operator
# The Jobs and the Deployment run as non-root with a read-only root filesystem (and an emptyDir on /tmp).
USER 65532:65532
ENTRYPOINT ["vectordr"]
