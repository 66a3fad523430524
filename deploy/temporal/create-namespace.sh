#!/bin/sh
# Waits for the Temporal frontend, then creates the namespace and the search attributes the app sets.
set -eu
NAMESPACE="${DEFAULT_NAMESPACE:-default}"
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" | grep -q SERVING; do echo "waiting for Temporal"; sleep 2; done
temporal operator namespace describe -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 \
  || temporal operator namespace create -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS"
for attr in JobStatus JobMode Tenant; do
  temporal operator search-attribute create --name "$attr" --type Keyword -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" --yes || true
done
