/**
 * Concord agent SDK: typed viem bindings, EIP-712 helpers for every relayed action, a decoder for the
 * contracts' custom errors, deployment files, an indexer client and Standard Webhooks verification. Free of Hardhat: it needs viem and the
 * generated ABI modules in indexer/abis/ only.
 */
export {
  CONSENSUS_CONTRACTS,
  consensusAbis,
  COORDINATION_CONTRACTS,
  coordinationAbis,
  LeaderElectionAbi,
  LockManagerAbi,
  MessageBusAbi,
  ProposalsAbi,
  SharedStateAbi,
  StakingAbi,
  SwarmRegistryAbi,
  TaskBoardAbi,
} from "./abis.ts";
export type { ConsensusContractName, CoordinationContractName } from "./abis.ts";
export { BallotAggregator, ELECTION_MODES, QUORUM_KINDS, THRESHOLD_KINDS, WEIGHTINGS } from "./BallotAggregator.ts";
export type { AddResult, AggregatorStatus, ElectionRule, ElectionTarget, ProposalRule, ProposalTarget } from "./BallotAggregator.ts";
export { getConcordContracts, getConsensusContracts } from "./contracts.ts";
export type { ConcordClients, ConcordContracts, ConsensusContracts } from "./contracts.ts";
export { concordErrorsAbi, decodeConcordError, formatConcordError, isConcordError } from "./decodeConcordError.ts";
export type { ConcordError, ConcordErrorName, DecodedRevert, SolidityBuiltinError } from "./decodeConcordError.ts";
export { consensusAddresses, coordinationAddresses, parseDeployment, readDeployment } from "./deployment.ts";
export type { ConcordAddresses, ConcordDeployment, ConsensusAddresses, DeployedContract } from "./deployment.ts";
export { assertDomainOf, CONCORD_DOMAINS, concordDomain, readDomain } from "./domain.ts";
export type { ConcordDomain, Domain, SigningContractName } from "./domain.ts";
export { decodeElectionBallot, ELECTION_BALLOT_TYPES, encodeElectionBallot, hashElectionBallot, signElectionBallot } from "./electionBallots.ts";
export type { ElectionBallot, SignedElectionBallot } from "./electionBallots.ts";
export { ballotSubject, checkEquivocation, equivocationEvidence, reportEquivocation } from "./equivocation.ts";
export type { EquivocationEvidence, MemberSlashedEvent } from "./equivocation.ts";
export { BallotError, ConcordSdkError, DeploymentError, IndexerError, SigningError, TransactionError, WebhookVerificationError } from "./errors.ts";
export type { BallotRejection, ConcordSdkErrorCode } from "./errors.ts";
export { createIndexerClient } from "./indexerClient.ts";
export type {
  AsOf,
  IndexedLeadership,
  IndexedLock,
  IndexedProposal,
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
export { decodeProposalBallot, encodeProposalBallot, hashProposalBallot, PROPOSAL_BALLOT_TYPES, signProposalBallot } from "./proposalBallots.ts";
export type { ProposalBallot, SignedProposalBallot } from "./proposalBallots.ts";
export { signerAddress, signTypedMessage, typedDigest } from "./signer.ts";
export {
  BALLOT_SIGNATURE_ENCODING,
  compareAddresses,
  electionArgs,
  encodeBallotSignature,
  proposalBallotsArgs,
  submitBallots,
  submitElection,
} from "./submitBallots.ts";
export type { BallotsSubmission, ElectionSubmission, LeaderElectedEvent, ProposalVoteSkipReason, SignatureEncoding, SubmitOptions } from "./submitBallots.ts";
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
export {
  ballotDigest,
  domainMismatch,
  isValidErc1271Signature,
  parseEcdsaSignature,
  recoverBallotSigner,
  toCompactSignature,
  toFullSignature,
  verifyBallot,
} from "./verifyBallot.ts";
export type { BallotVerification, EcdsaParts, SignedBallot, VerifyBallotOptions } from "./verifyBallot.ts";
export { isCurrentLeader, isCurrentLockToken, isCurrentTaskEpoch, lockNameToBytes32, verifyFencingToken } from "./verifyFencingToken.ts";
export type { AtBlock, FencingToken } from "./verifyFencingToken.ts";
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
