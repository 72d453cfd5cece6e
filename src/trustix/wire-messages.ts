/**
 * The Trustix protobuf messages a client sends and receives (SPEC §1.5; all
 * proto2, field numbers from the .proto files of nix-community/trustix e99677b9).
 * Each const is the schema; the type of the same name is the decoded message.
 * Hashes are 32-byte `bytes`, sizes and indices `uint64`. Example (protojson):
 *
 *   GetLogConsistencyProofRequest  {"LogID":"68d4…49e1","FirstSize":"7","SecondSize":"12"}
 *   ProofResponse                  {"Proof":["EixZcIO9Q4t/bXKvddAllIiZZHcRuAa90s2C+mlxPbM="]}
 */

import { bytes, enumOf, int32, message, messageType, string, stringMap, uint64 } from './wire-schema.ts';
import type { Message } from './wire-schema.ts';

// trustix_schema.v1

export const LogHead = messageType('trustix_schema.v1.LogHead', {
  LogRoot: bytes(1, 'required'), TreeSize: uint64(2, 'required'), MapRoot: bytes(3, 'required'),
  MHRoot: bytes(4, 'required'), MHTreeSize: uint64(5, 'required'), Signature: bytes(6, 'required'),
});
export type LogHead = Message<typeof LogHead>;

/** Main-log leaves carry all three fields; map-head-log leaves only LeafDigest. */
export const LogLeaf = messageType('trustix_schema.v1.LogLeaf', {
  Key: bytes(1, 'optional'), ValueDigest: bytes(2, 'optional'), LeafDigest: bytes(3, 'required'),
});
export type LogLeaf = Message<typeof LogLeaf>;

// trustix_api.v1

export const LogHeadRequest = messageType('trustix_api.v1.LogHeadRequest', { LogID: string(1, 'required') });
export type LogHeadRequest = Message<typeof LogHeadRequest>;

export const GetLogConsistencyProofRequest = messageType('trustix_api.v1.GetLogConsistencyProofRequest', {
  LogID: string(1, 'required'), FirstSize: uint64(2, 'required'), SecondSize: uint64(3, 'required'),
});
export type GetLogConsistencyProofRequest = Message<typeof GetLogConsistencyProofRequest>;

export const GetLogAuditProofRequest = messageType('trustix_api.v1.GetLogAuditProofRequest', {
  LogID: string(1, 'required'), Index: uint64(2, 'required'), TreeSize: uint64(3, 'required'),
});
export type GetLogAuditProofRequest = Message<typeof GetLogAuditProofRequest>;

/** Start and Finish are both included. */
export const GetLogEntriesRequest = messageType('trustix_api.v1.GetLogEntriesRequest', {
  LogID: string(1, 'required'), Start: uint64(2, 'required'), Finish: uint64(3, 'required'),
});
export type GetLogEntriesRequest = Message<typeof GetLogEntriesRequest>;

export const ProofResponse = messageType('trustix_api.v1.ProofResponse', { Proof: bytes(1, 'repeated') });
export type ProofResponse = Message<typeof ProofResponse>;

export const GetMapValueRequest = messageType('trustix_api.v1.GetMapValueRequest', {
  LogID: string(1, 'required'), Key: bytes(2, 'required'), MapRoot: bytes(3, 'required'),
});
export type GetMapValueRequest = Message<typeof GetMapValueRequest>;

export const SparseCompactMerkleProof = messageType('trustix_api.v1.SparseCompactMerkleProof', {
  SideNodes: bytes(1, 'repeated'), NonMembershipLeafData: bytes(2, 'optional'),
  BitMask: bytes(3, 'required'), NumSideNodes: uint64(4, 'required'),
});
export type SparseCompactMerkleProof = Message<typeof SparseCompactMerkleProof>;

/** Value is the raw MapEntry JSON: hash exactly these bytes, then parse them. */
export const MapValueResponse = messageType('trustix_api.v1.MapValueResponse', {
  Value: bytes(1, 'required'), Proof: message(2, 'required', SparseCompactMerkleProof),
});
export type MapValueResponse = Message<typeof MapValueResponse>;

export const LogEntriesResponse = messageType('trustix_api.v1.LogEntriesResponse', { Leaves: message(1, 'repeated', LogLeaf) });
export type LogEntriesResponse = Message<typeof LogEntriesResponse>;

export const KeyValuePair = messageType('trustix_api.v1.KeyValuePair', { Key: bytes(1, 'required'), Value: bytes(2, 'required') });
export type KeyValuePair = Message<typeof KeyValuePair>;

export const ValueRequest = messageType('trustix_api.v1.ValueRequest', { Digest: bytes(1, 'required') });
export type ValueRequest = Message<typeof ValueRequest>;

export const ValueResponse = messageType('trustix_api.v1.ValueResponse', { Value: bytes(1, 'required') });
export type ValueResponse = Message<typeof ValueResponse>;

/** Protocols filters by protocol UUID (a name such as "nix" matches nothing). */
export const LogsRequest = messageType('trustix_api.v1.LogsRequest', { Protocols: string(1, 'repeated') });
export type LogsRequest = Message<typeof LogsRequest>;

export const LogSigner = messageType('trustix_api.v1.LogSigner', {
  KeyType: enumOf(1, 'required', ['ed25519']), Public: string(2, 'required'),
});
export type LogSigner = Message<typeof LogSigner>;

export const Log = messageType('trustix_api.v1.Log', {
  LogID: string(1, 'required'), Mode: enumOf(2, 'required', ['Log']), Protocol: string(3, 'required'),
  Signer: message(4, 'required', LogSigner), Meta: stringMap(5),
});
export type Log = Message<typeof Log>;

export const LogsResponse = messageType('trustix_api.v1.LogsResponse', { Logs: message(1, 'repeated', Log) });
export type LogsResponse = Message<typeof LogsResponse>;

// trustix_rpc.v1 (the daemon's own API; not needed to read a log, here for completeness)

export const DecideRequest = messageType('trustix_rpc.v1.DecideRequest', { Key: bytes(1, 'required'), Protocol: string(2, 'required') });
export type DecideRequest = Message<typeof DecideRequest>;

export const LogValueResponse = messageType('trustix_rpc.v1.LogValueResponse', { LogID: string(1, 'required'), Digest: bytes(2, 'required') });
export type LogValueResponse = Message<typeof LogValueResponse>;

export const LogValueDecision = messageType('trustix_rpc.v1.LogValueDecision', {
  LogIDs: string(1, 'repeated'), Digest: bytes(2, 'required'), Confidence: int32(3, 'required'), Value: bytes(4, 'required'),
});
export type LogValueDecision = Message<typeof LogValueDecision>;

export const DecisionResponse = messageType('trustix_rpc.v1.DecisionResponse', {
  Decision: message(1, 'required', LogValueDecision), Mismatches: message(2, 'repeated', LogValueResponse), Misses: string(3, 'repeated'),
});
export type DecisionResponse = Message<typeof DecisionResponse>;

export const SubmitRequest = messageType('trustix_rpc.v1.SubmitRequest', { LogID: string(1, 'required'), Items: message(2, 'repeated', KeyValuePair) });
export type SubmitRequest = Message<typeof SubmitRequest>;

export const SubmitResponse = messageType('trustix_rpc.v1.SubmitResponse', { status: enumOf(1, 'required', ['OK']) });
export type SubmitResponse = Message<typeof SubmitResponse>;

export const FlushRequest = messageType('trustix_rpc.v1.FlushRequest', { LogID: string(1, 'required') });
export type FlushRequest = Message<typeof FlushRequest>;

export const FlushResponse = messageType('trustix_rpc.v1.FlushResponse', {});
export type FlushResponse = Message<typeof FlushResponse>;
