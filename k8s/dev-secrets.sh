#!/usr/bin/env bash
# The Secrets k8s/overlays/dev mounts, from a development CA (`icore certs`):
# icore-ca (ca.crt) and icore-tls-<service> (tls.crt, tls.key) for each service.
# Needs kubectl pointed at the cluster and the icore command (`eval "$(./dev env)"`).
# Usage: k8s/dev-secrets.sh [CERT_DIR]   (default data/k8s-certs; country client
# certificates for trying the gateway are written there too)
set -euo pipefail
dir="${1:-data/k8s-certs}"
namespace=icore
services="gateway messaging biometric query analytics"

icore certs --out "$dir"
kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$namespace" create secret generic icore-ca --from-file=ca.crt="$dir/ca.pem" \
  --dry-run=client -o yaml | kubectl apply -f -
for service in $services; do
  kubectl -n "$namespace" create secret tls "icore-tls-$service" \
    --cert="$dir/service-$service.pem" --key="$dir/service-$service-key.pem" \
    --dry-run=client -o yaml | kubectl apply -f -
done
