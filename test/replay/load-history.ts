// Read a history JSON file (as `temporal workflow show --output json` writes it) into the History
// object runReplayHistories takes. The SDK's own historyFromJSON fails in this install: @temporalio/
// common and @temporalio/proto each carry a nested protobufjs, and protojson rejects a type from
// the other copy ("type must be a Type"). Parsing with the copy @temporalio/proto itself loads
// avoids the mismatch; the SDK then takes the decoded object as is (its eventIds are Longs).
import * as path from 'node:path';
import type * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

type FromJson = (type: unknown, json: unknown, opts?: { ignoreUnknownFields?: boolean }) => unknown;

const protoDir = path.dirname(require.resolve('@temporalio/proto/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fromJson } = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as { fromJson: FromJson };
// The root as CommonJS exports it (a namespace import wraps it, and lookups then miss).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const root = require('@temporalio/proto') as typeof proto;
const historyType = (patchProtobufRoot(root) as unknown as { lookupType(n: string): unknown }).lookupType('temporal.api.history.v1.History');

/** A history object decoded from its ProtoJSON form. */
export function historyFromFile(json: unknown): proto.temporal.api.history.v1.IHistory {
  return fromJson(historyType, json, { ignoreUnknownFields: true }) as proto.temporal.api.history.v1.IHistory;
}
