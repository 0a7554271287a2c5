/**
 * Concord agent SDK: typed viem bindings, EIP-712 helpers for every relayed action, a decoder for the
 * contracts' custom errors, deployment files, an indexer client and Standard Webhooks verification. Free of Hardhat: it needs viem and the
 * generated ABI modules in indexer/abis/ only.
 */
export { COORDINATION_CONTRACTS, coordinationAbis, MessageBusAbi, SharedStateAbi, SwarmRegistryAbi, TaskBoardAbi } from "./abis.ts";
export type { CoordinationContractName } from "./abis.ts";
export { getConcordContracts } from "./contracts.ts";
export type { ConcordClients, ConcordContracts } from "./contracts.ts";
export { concordErrorsAbi, decodeConcordError, formatConcordError, isConcordError } from "./decodeConcordError.ts";
export type { ConcordError, ConcordErrorName, DecodedRevert, SolidityBuiltinError } from "./decodeConcordError.ts";
export { coordinationAddresses, parseDeployment, readDeployment } from "./deployment.ts";
export type { ConcordAddresses, ConcordDeployment, DeployedContract } from "./deployment.ts";
export { assertDomainOf, CONCORD_DOMAINS, concordDomain, readDomain } from "./domain.ts";
export type { ConcordDomain, Domain, SigningContractName } from "./domain.ts";
export { ConcordSdkError, DeploymentError, IndexerError, SigningError, WebhookVerificationError } from "./errors.ts";
export type { ConcordSdkErrorCode } from "./errors.ts";
export { createIndexerClient } from "./indexerClient.ts";
export type {
  IndexedMember,
  IndexedMessage,
  IndexedStateEntry,
  IndexedSwarm,
  IndexedTask,
  IndexedTaskEvent,
  IndexedTaskStatus,
  IndexerClient,
  IndexerClientOptions,
  IndexerStatus,
} from "./indexerClient.ts";
export { hashInvite, INVITE_TYPES, randomSalt, signInvite } from "./invites.ts";
export type { Invite } from "./invites.ts";
export { BROADCAST_TYPES, DIRECT_MESSAGE_TYPES, hashBroadcast, hashDirectMessage, signBroadcast, signDirectMessage } from "./messageBusMessages.ts";
export type { Broadcast, DirectMessage } from "./messageBusMessages.ts";
export { DELETE_STATE_TYPES, hashDeleteState, hashSetState, SET_STATE_TYPES, signDeleteState, signSetState } from "./sharedStateMessages.ts";
export type { DeleteState, SetState } from "./sharedStateMessages.ts";
export { signerAddress, signTypedMessage, typedDigest } from "./signer.ts";
export type { Signed, TypedDataSigner, TypedFields } from "./signer.ts";
export {
  CLAIM_TASK_TYPES,
  COMPLETE_TASK_TYPES,
  hashClaimTask,
  hashCompleteTask,
  hashRenewLease,
  RENEW_LEASE_TYPES,
  signClaimTask,
  signCompleteTask,
  signRenewLease,
} from "./taskBoardMessages.ts";
export type { ClaimTask, CompleteTask, RenewLease } from "./taskBoardMessages.ts";
export * from "./webhooks.ts";
export { computeSignature, generateSecret, signWebhook, verifyWebhook, WEBHOOK_SECRET_PREFIX, WEBHOOK_TOLERANCE_SECONDS } from "./webhooks.ts";
export type {
  SignWebhookInput,
  SignWebhookSingleInput,
  VerifiedWebhook,
  VerifyWebhookOptions,
  WebhookHeaders,
  WebhookRequestHeaders,
  WebhookVerificationReason,
} from "./webhooks.ts";
