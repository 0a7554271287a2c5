/**
 * The SDK's EIP-712 helpers against the real contracts (in-process Hardhat network): for every signed action
 * the SDK's digest equals the contract's own `hash*` view (where one exists), viem's recoverTypedDataAddress
 * returns the signer, and the contract accepts the signature when a relayer submits it. Signers: a wallet
 * client (JSON-RPC account), a local private-key account, and an EIP-1271 smart account.
 */
import { network } from "hardhat";
import {
  encodeFunctionData,
  keccak256,
  parseEther,
  parseEventLogs,
  recoverTypedDataAddress,
  stringToHex,
  toHex,
  zeroAddress,
  zeroHash,
  type Abi,
  type Address,
  type Hex,
  type TransactionReceipt,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BROADCAST_TYPES,
  CLAIM_TASK_TYPES,
  COMPLETE_TASK_TYPES,
  concordDomain,
  DELETE_STATE_TYPES,
  DIRECT_MESSAGE_TYPES,
  decodeConcordError,
  hashClaimTask,
  hashCompleteTask,
  hashInvite,
  hashRenewLease,
  INVITE_TYPES,
  randomSalt,
  readDomain,
  RENEW_LEASE_TYPES,
  SET_STATE_TYPES,
  signBroadcast,
  signClaimTask,
  signCompleteTask,
  signDeleteState,
  signDirectMessage,
  signerAddress,
  signInvite,
  signRenewLease,
  signSetState,
  SigningError,
  type Domain,
  type TypedFields,
} from "../../sdk/index.ts";

const OPEN = 0;
const INVITE = 2;
const swarmConfig = (policy: number) => ({ policy, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" }) as const;

async function deployFixture() {
  const { viem, networkHelpers } = await network.create();
  const [owner, alice, bob, relayer, outsider] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const registry = await viem.deployContract("SwarmRegistry", []);
  const taskBoard = await viem.deployContract("TaskBoard", [registry.address]);
  const sharedState = await viem.deployContract("SharedState", [registry.address]);
  const messageBus = await viem.deployContract("MessageBus", [registry.address]);
  const chainId = await publicClient.getChainId();

  // swarm 1 (open): owner, alice, bob; swarm 2 (invite only): owner
  await registry.write.createSwarm([swarmConfig(OPEN), []], { account: owner!.account });
  for (const w of [alice!, bob!]) await registry.write.join([1n, ""], { account: w.account });
  await registry.write.createSwarm([swarmConfig(INVITE), []], { account: owner!.account });

  // A local (private-key) agent that is a member of swarm 1; funded only to join.
  const local = privateKeyToAccount(generatePrivateKey());
  await owner!.sendTransaction({ to: local.address, value: parseEther("1") });
  const localJoin = await registry.write.join([1n, ""], { account: local });
  await publicClient.waitForTransactionReceipt({ hash: localJoin });

  async function receiptOf(hash: Promise<Hex>): Promise<TransactionReceipt> {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
    expect(receipt.status).toBe("success");
    return receipt;
  }
  function eventsOf(abi: Abi, receipt: TransactionReceipt, eventName: string) {
    return parseEventLogs({ abi, logs: receipt.logs }).filter((l) => l.eventName === eventName) as unknown as { args: Record<string, unknown> }[];
  }
  async function post(account = owner!.account, leaseTtl = 600) {
    const receipt = await receiptOf(
      taskBoard.write.post(
        [{ swarmId: 1n, typeTag: zeroHash, priority: 1, leaseTtl, deadline: 0, specURI: "ipfs://spec", specHash: zeroHash, rewardToken: zeroAddress, rewardAmount: 0n }],
        { account },
      ),
    );
    return eventsOf(taskBoard.abi, receipt, "TaskPosted")[0]!.args.taskId as bigint;
  }
  async function deadline(seconds = 3600): Promise<bigint> {
    return BigInt(await networkHelpers.time.latest()) + BigInt(seconds);
  }
  return { viem, networkHelpers, publicClient, chainId, registry, taskBoard, sharedState, messageBus, owner: owner!, alice: alice!, bob: bob!, relayer: relayer!, outsider: outsider!, local, receiptOf, eventsOf, post, deadline };
}

type Fixture = Awaited<ReturnType<typeof deployFixture>>;

async function recover(domain: Domain, types: Record<string, TypedFields>, primaryType: string, message: Record<string, unknown>, signature: Hex): Promise<Address> {
  const params = { domain, types, primaryType, message, signature } as unknown as Parameters<typeof recoverTypedDataAddress>[0];
  return recoverTypedDataAddress(params);
}

const lower = (a: unknown) => String(a).toLowerCase();

describe("sdk EIP-712 helpers", () => {
  let f: Fixture;
  let domains: { SwarmRegistry: Domain; TaskBoard: Domain; SharedState: Domain; MessageBus: Domain };

  beforeAll(async () => {
    f = await deployFixture();
    domains = {
      SwarmRegistry: await readDomain(f.publicClient, f.registry.address),
      TaskBoard: await readDomain(f.publicClient, f.taskBoard.address),
      SharedState: await readDomain(f.publicClient, f.sharedState.address),
      MessageBus: await readDomain(f.publicClient, f.messageBus.address),
    };
  });

  it("readDomain (ERC-5267) returns the domain concordDomain builds offline, for every contract", async () => {
    for (const name of ["SwarmRegistry", "TaskBoard", "SharedState", "MessageBus"] as const) {
      const address = { SwarmRegistry: f.registry, TaskBoard: f.taskBoard, SharedState: f.sharedState, MessageBus: f.messageBus }[name].address;
      expect(domains[name], name).toEqual({ ...concordDomain(name, f.chainId, address), verifyingContract: expect.stringMatching(new RegExp(`^${address}$`, "i")) });
      expect(lower(domains[name].verifyingContract)).toBe(lower(address));
    }
  });

  it("signInvite: digest = hashInvite on chain, recovers to the admin, and joinWithInvite accepts it", async () => {
    const expiry = Number(await f.deadline());
    const invite = { swarmId: 2n, invitee: f.alice.account.address, maxUses: 1, expiry, salt: randomSalt() };
    const signed = await signInvite(f.owner, domains.SwarmRegistry, invite);
    expect(signed.message).toEqual(invite);
    expect(signed.digest).toBe(await f.registry.read.hashInvite([invite]));
    expect(signed.digest).toBe(hashInvite(domains.SwarmRegistry, invite));
    expect(lower(await recover(domains.SwarmRegistry, INVITE_TYPES, "Invite", invite, signed.signature))).toBe(lower(f.owner.account.address));

    const receipt = await f.receiptOf(
      f.registry.write.joinWithInvite([2n, invite, f.owner.account.address, signed.signature, "ipfs://alice"], { account: f.alice.account }),
    );
    expect(f.eventsOf(f.registry.abi, receipt, "InviteUsed")[0]!.args.inviteHash).toBe(signed.digest);
    expect(await f.registry.read.isMember([2n, f.alice.account.address])).toBe(true);
  });

  it("signClaimTask (wallet client): digest = hashClaim, recovers, claimBySig relayed by a non-member", async () => {
    const taskId = await f.post();
    const claimant = f.alice.account.address;
    const message = { taskId, claimant, nonce: await f.taskBoard.read.nonces([claimant]), deadline: await f.deadline() };
    const signed = await signClaimTask(f.alice, domains.TaskBoard, message);
    expect(signed.digest).toBe(await f.taskBoard.read.hashClaim([taskId, claimant, message.nonce, message.deadline]));
    expect(signed.digest).toBe(hashClaimTask(domains.TaskBoard, message));
    expect(lower(await recover(domains.TaskBoard, CLAIM_TASK_TYPES, "ClaimTask", message, signed.signature))).toBe(lower(claimant));

    const receipt = await f.receiptOf(
      f.taskBoard.write.claimBySig([taskId, claimant, message.nonce, message.deadline, signed.signature], { account: f.relayer.account }),
    );
    const claimed = f.eventsOf(f.taskBoard.abi, receipt, "TaskClaimed")[0]!.args;
    expect(lower(claimed.claimant)).toBe(lower(claimant));
    expect(lower(claimed.relayer)).toBe(lower(f.relayer.account.address));
    expect(claimed.epoch).toBe(1n);
    expect(await f.taskBoard.read.nonces([claimant])).toBe(message.nonce + 1n);
  });

  it("local account: claim, renew and complete by signature, paying no gas itself", async () => {
    const taskId = await f.post();
    const claimant = f.local.address;
    expect(signerAddress(f.local)).toBe(claimant);
    const balanceBefore = await f.publicClient.getBalance({ address: claimant });
    let nonce = await f.taskBoard.read.nonces([claimant]);

    const claim = await signClaimTask(f.local, domains.TaskBoard, { taskId, claimant, nonce, deadline: await f.deadline() });
    await f.receiptOf(f.taskBoard.write.claimBySig([taskId, claimant, nonce, claim.message.deadline, claim.signature], { account: f.relayer.account }));
    nonce += 1n;

    const renewMessage = { taskId, epoch: 1n, claimant, nonce, deadline: await f.deadline() };
    const renew = await signRenewLease(f.local, domains.TaskBoard, renewMessage);
    expect(renew.digest).toBe(await f.taskBoard.read.hashRenew([taskId, 1n, claimant, nonce, renewMessage.deadline]));
    expect(renew.digest).toBe(hashRenewLease(domains.TaskBoard, renewMessage));
    expect(lower(await recover(domains.TaskBoard, RENEW_LEASE_TYPES, "RenewLease", renewMessage, renew.signature))).toBe(lower(claimant));
    const renewed = await f.receiptOf(
      f.taskBoard.write.renewBySig([taskId, 1n, claimant, nonce, renewMessage.deadline, renew.signature], { account: f.relayer.account }),
    );
    expect(f.eventsOf(f.taskBoard.abi, renewed, "TaskLeaseRenewed")).toHaveLength(1);
    nonce += 1n;

    const completeMessage = { taskId, epoch: 1n, claimant, resultURI: "ipfs://result", resultHash: keccak256(toHex("result")), nonce, deadline: await f.deadline() };
    const complete = await signCompleteTask(f.local, domains.TaskBoard, completeMessage);
    expect(complete.digest).toBe(
      await f.taskBoard.read.hashComplete([taskId, 1n, claimant, completeMessage.resultURI, completeMessage.resultHash, nonce, completeMessage.deadline]),
    );
    expect(complete.digest).toBe(hashCompleteTask(domains.TaskBoard, completeMessage));
    expect(lower(await recover(domains.TaskBoard, COMPLETE_TASK_TYPES, "CompleteTask", completeMessage, complete.signature))).toBe(lower(claimant));
    const completed = await f.receiptOf(
      f.taskBoard.write.completeBySig(
        [taskId, 1n, claimant, completeMessage.resultURI, completeMessage.resultHash, nonce, completeMessage.deadline, complete.signature],
        { account: f.relayer.account },
      ),
    );
    const event = f.eventsOf(f.taskBoard.abi, completed, "TaskCompleted")[0]!.args;
    expect(lower(event.claimant)).toBe(lower(claimant));
    expect(event.resultURI).toBe("ipfs://result");
    expect((await f.taskBoard.read.getTask([taskId])).status).toBe(3); // Completed
    expect(await f.publicClient.getBalance({ address: claimant })).toBe(balanceBefore);
  });

  it("signSetState / signDeleteState: recover to the writer and setBySig / delBySig accept them", async () => {
    const key = keccak256(toHex("sdk-state"));
    const writer = f.bob.account.address;
    const value = stringToHex("hello");
    const setMessage = { swarmId: 1n, key, value, expectedVersion: 0n, writer, deadline: await f.deadline() };
    const set = await signSetState(f.bob, domains.SharedState, setMessage);
    expect(lower(await recover(domains.SharedState, SET_STATE_TYPES, "SetState", setMessage, set.signature))).toBe(lower(writer));
    const setReceipt = await f.receiptOf(
      f.sharedState.write.setBySig([1n, key, value, 0n, writer, setMessage.deadline, set.signature], { account: f.relayer.account }),
    );
    const stateSet = f.eventsOf(f.sharedState.abi, setReceipt, "StateSet")[0]!.args;
    expect(lower(stateSet.writer)).toBe(lower(writer));
    expect(stateSet.version).toBe(1n);

    const delMessage = { swarmId: 1n, key, expectedVersion: 1n, writer, deadline: await f.deadline() };
    const del = await signDeleteState(f.bob, domains.SharedState, delMessage);
    expect(lower(await recover(domains.SharedState, DELETE_STATE_TYPES, "DeleteState", delMessage, del.signature))).toBe(lower(writer));
    await f.receiptOf(f.sharedState.write.delBySig([1n, key, 1n, writer, delMessage.deadline, del.signature], { account: f.relayer.account }));
    expect(await f.sharedState.read.get([1n, key])).toEqual(["0x", 2n, false]);

    // The same signature can never succeed again: the version moved on (decoded with the SDK).
    const replay = f.sharedState.write.setBySig([1n, key, value, 0n, writer, setMessage.deadline, set.signature], { account: f.relayer.account });
    const error = await replay.then(() => undefined, (e: unknown) => e);
    expect(decodeConcordError(error)).toMatchObject({ name: "SharedStateVersionMismatch", args: [1n, key, 0n, 2n] });
  });

  it("signBroadcast / signDirectMessage: recover to the sender and broadcastBySig / sendBySig accept them", async () => {
    const sender = f.local.address;
    const topic = keccak256(toHex("topic"));
    let nonce = await f.messageBus.read.nonces([sender]);
    const broadcastMessage = { swarmId: 1n, topic, payload: stringToHex("hi all"), sender, nonce, deadline: await f.deadline() };
    const broadcast = await signBroadcast(f.local, domains.MessageBus, broadcastMessage);
    expect(lower(await recover(domains.MessageBus, BROADCAST_TYPES, "Broadcast", broadcastMessage, broadcast.signature))).toBe(lower(sender));
    const b = await f.receiptOf(
      f.messageBus.write.broadcastBySig([1n, topic, broadcastMessage.payload, sender, nonce, broadcastMessage.deadline, broadcast.signature], {
        account: f.relayer.account,
      }),
    );
    expect(lower(f.eventsOf(f.messageBus.abi, b, "MessageBroadcast")[0]!.args.sender)).toBe(lower(sender));
    nonce += 1n;

    const to = f.alice.account.address;
    const directMessage = { swarmId: 1n, to, topic, payload: stringToHex("hi alice"), sender, nonce, deadline: await f.deadline() };
    const direct = await signDirectMessage(f.local, domains.MessageBus, directMessage);
    expect(lower(await recover(domains.MessageBus, DIRECT_MESSAGE_TYPES, "DirectMessage", directMessage, direct.signature))).toBe(lower(sender));
    const d = await f.receiptOf(
      f.messageBus.write.sendBySig([1n, to, topic, directMessage.payload, sender, nonce, directMessage.deadline, direct.signature], {
        account: f.relayer.account,
      }),
    );
    const sent = f.eventsOf(f.messageBus.abi, d, "DirectMessageSent")[0]!.args;
    expect([lower(sent.from), lower(sent.to)]).toEqual([lower(sender), lower(to)]);
  });

  it("EIP-1271: the owner of a smart-account member signs a claim for the account, and the board accepts it", async () => {
    const wallet = await f.viem.deployContract("MockERC1271Wallet", [f.bob.account.address]);
    const join = encodeFunctionData({ abi: f.registry.abi, functionName: "join", args: [1n, ""] });
    await f.receiptOf(wallet.write.execute([f.registry.address, 0n, join], { account: f.bob.account }));
    const taskId = await f.post();
    const message = { taskId, claimant: wallet.address, nonce: await f.taskBoard.read.nonces([wallet.address]), deadline: await f.deadline() };
    const signed = await signClaimTask(f.bob, domains.TaskBoard, message);
    // ECDSA recovery gives the owner key, not the smart account: the contract asks the account (EIP-1271).
    expect(lower(await recover(domains.TaskBoard, CLAIM_TASK_TYPES, "ClaimTask", message, signed.signature))).toBe(lower(f.bob.account.address));
    await f.receiptOf(f.taskBoard.write.claimBySig([taskId, wallet.address, message.nonce, message.deadline, signed.signature], { account: f.relayer.account }));
    expect(lower((await f.taskBoard.read.getTask([taskId])).claimant)).toBe(lower(wallet.address));
  });

  it("a claim signed by someone else, or for another task, is rejected with TaskBoardInvalidSignature", async () => {
    const taskId = await f.post();
    const claimant = f.alice.account.address;
    const nonce = await f.taskBoard.read.nonces([claimant]);
    const message = { taskId, claimant, nonce, deadline: await f.deadline() };
    const forged = await signClaimTask(f.outsider, domains.TaskBoard, message);
    const forgedError = await f.taskBoard.write
      .claimBySig([taskId, claimant, nonce, message.deadline, forged.signature], { account: f.relayer.account })
      .then(() => undefined, (e: unknown) => e);
    expect(decodeConcordError(forgedError)).toMatchObject({ name: "TaskBoardInvalidSignature", args: [expect.stringMatching(new RegExp(claimant, "i"))] });

    const other = await signClaimTask(f.alice, domains.TaskBoard, { ...message, taskId: taskId + 1000n });
    const otherError = await f.taskBoard.write
      .claimBySig([taskId, claimant, nonce, message.deadline, other.signature], { account: f.relayer.account })
      .then(() => undefined, (e: unknown) => e);
    expect(decodeConcordError(otherError)?.name).toBe("TaskBoardInvalidSignature");
  });

  it("refuses to sign under another contract's domain, and a wallet client without an account", async () => {
    const message = { taskId: 1n, claimant: f.alice.account.address, nonce: 0n, deadline: 1n };
    await expect(signClaimTask(f.alice, domains.SharedState, message)).rejects.toBeInstanceOf(SigningError);
    await expect(signClaimTask(f.alice, domains.SharedState, message)).rejects.toMatchObject({ code: "domain_invalid" });
    expect(() => hashClaimTask(domains.MessageBus, message)).toThrow(/TaskBoard domain/);
    const { createWalletClient, http } = await import("viem");
    const accountless = createWalletClient({ transport: http("http://127.0.0.1:1") });
    await expect(signClaimTask(accountless, domains.TaskBoard, message)).rejects.toMatchObject({ code: "signer_invalid" });
  });
});
