#!/bin/sh
# Garage admin API v2 (Garage 2.x): give the single node a zone and capacity, apply the layout,
# import the key playtube uses, create the bucket `playtube` and allow the key on it. Safe to re-run.
# Checked against Garage 2.5.0 on 127.0.0.1 (see .container/README.md).
set -eu
api() { curl -fsS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }
first_id() { sed -n 's/.*"id": *"\([0-9a-f]\{64\}\)".*/\1/p' | head -n1; }
i=0
until status=$(api "$ADMIN/v2/GetClusterStatus" 2>/dev/null); do
  i=$((i + 1)); [ "$i" -lt 60 ] || { echo "garage admin API not answering at $ADMIN" >&2; exit 1; }; sleep 1
done
node=$(echo "$status" | first_id)
if echo "$status" | grep -q '"role": null'; then
  api -X POST "$ADMIN/v2/UpdateClusterLayout" \
    -d "{\"roles\":[{\"id\":\"$node\",\"zone\":\"dc1\",\"capacity\":10000000000,\"tags\":[]}]}" >/dev/null
  version=$(api "$ADMIN/v2/GetClusterLayout" | sed -n 's/^  "version": *\([0-9]*\).*/\1/p')
  api -X POST "$ADMIN/v2/ApplyClusterLayout" -d "{\"version\":$((version + 1))}" >/dev/null
fi
api -X POST "$ADMIN/v2/ImportKey" \
  -d "{\"name\":\"playtube\",\"accessKeyId\":\"$KEY_ID\",\"secretAccessKey\":\"$KEY_SECRET\"}" >/dev/null 2>&1 || true
bucket=$(api "$ADMIN/v2/GetBucketInfo?globalAlias=playtube" 2>/dev/null ||
  api -X POST "$ADMIN/v2/CreateBucket" -d '{"globalAlias":"playtube"}')
id=$(echo "$bucket" | first_id)
api -X POST "$ADMIN/v2/AllowBucketKey" \
  -d "{\"bucketId\":\"$id\",\"accessKeyId\":\"$KEY_ID\",\"permissions\":{\"read\":true,\"write\":true,\"owner\":true}}" >/dev/null
echo "garage ready: node $node, bucket playtube ($id), key $KEY_ID"
