/**
 * EIP-712 domains of the Concord contracts. Each contract uses OpenZeppelin's EIP712 with the name below,
 * version "1", the chain id and its own address; `readDomain` reads it from the contract itself (ERC-5267).
 */
import { getEip712Domain } from "viem/actions";
import type { Address, Client, TypedDataDomain } from "viem";
import { SigningError } from "./errors.ts";

/** An EIP-712 domain with only the fields the contract declares. */
export type Domain = TypedDataDomain;

/** A domain as Concord contracts declare it (name, version, chainId, verifyingContract). */
export type ConcordDomain = {
  name: string;
  version: string;
  chainId: number;
  verifyingContract: Address;
};

/** EIP-712 name and version of every Concord contract that verifies signatures. */
export const CONCORD_DOMAINS = {
  SwarmRegistry: { name: "Concord SwarmRegistry", version: "1" },
  TaskBoard: { name: "Concord TaskBoard", version: "1" },
  SharedState: { name: "Concord SharedState", version: "1" },
  MessageBus: { name: "Concord MessageBus", version: "1" },
  LeaderElection: { name: "Concord LeaderElection", version: "1" },
  Proposals: { name: "Concord Proposals", version: "1" },
} as const;

/** A Concord contract that verifies EIP-712 signatures. */
export type SigningContractName = keyof typeof CONCORD_DOMAINS;

/** The domain of `contract` deployed at `verifyingContract` on `chainId`, without reading the chain. */
export function concordDomain(contract: SigningContractName, chainId: number, verifyingContract: Address): ConcordDomain {
  return { ...CONCORD_DOMAINS[contract], chainId, verifyingContract };
}

/**
 * Reads a contract's EIP-712 domain through ERC-5267 `eip712Domain()` and keeps only the fields the contract
 * declares (its `fields` bitmap), so digests match the contract's `_hashTypedDataV4`.
 */
export async function readDomain(client: Client, address: Address): Promise<Domain> {
  const { domain, fields } = await getEip712Domain(client, { address });
  const bits = Number.parseInt(fields, 16);
  const out: Domain = {};
  if (bits & 0x01) out.name = domain.name;
  if (bits & 0x02) out.version = domain.version;
  if (bits & 0x04) out.chainId = domain.chainId;
  if (bits & 0x08) out.verifyingContract = domain.verifyingContract;
  if (bits & 0x10) out.salt = domain.salt;
  return out;
}

/**
 * Throws a SigningError unless `domain` is the domain of `contract` (right name and version). Catches the
 * classic mistake of signing a TaskBoard message under the SharedState domain, which the chain would only
 * report as an invalid signature.
 */
export function assertDomainOf(contract: SigningContractName, domain: Domain): void {
  const expected = CONCORD_DOMAINS[contract];
  if (domain.name !== expected.name || domain.version !== expected.version) {
    throw new SigningError("domain_invalid", `Expected the ${contract} domain ("${expected.name}" v${expected.version}), got "${String(domain.name)}" v${String(domain.version)}`, {
      contract,
      domain,
    });
  }
}
