import { describe, expect, it } from "vitest";
import { consistencyProof, inclusionProof, leafHash, treeRoot, verifyConsistency, verifyInclusion } from "../merkle.math.js";

// The Certificate Transparency reference vectors: eight leaves, and the root of each prefix.
const INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
const ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const LEAVES = INPUTS.map((hex) => leafHash(Buffer.from(hex, "hex")));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("the RFC 9162 Merkle tree", () => {
  it("computes the reference roots of every prefix, and SHA-256 of nothing for the empty tree", () => {
    expect(LEAVES.map((_, i) => hex(treeRoot(LEAVES.slice(0, i + 1))))).toEqual(ROOTS);
    expect(hex(treeRoot([]))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("proves every leaf of every tree size, and refuses a proof for another leaf, index or root, or cut short", () => {
    for (let size = 1; size <= LEAVES.length; size += 1) {
      const tree = LEAVES.slice(0, size);
      const root = treeRoot(tree);
      for (let index = 0; index < size; index += 1) {
        const proof = inclusionProof(index, tree);
        expect(verifyInclusion(LEAVES[index]!, index, size, proof, root), `leaf ${index} of ${size}`).toBe(true);
        expect(verifyInclusion(LEAVES[(index + 1) % 8]!, index, size, proof, root)).toBe(false);
        if (size > 1) expect(verifyInclusion(LEAVES[index]!, (index + 1) % size, size, proof, root)).toBe(false);
        // (The size is not the proof's to authenticate: it comes with the signed tree head.)
        if (proof.length > 0) expect(verifyInclusion(LEAVES[index]!, index, size, proof.slice(0, -1), root)).toBe(false);
        expect(verifyInclusion(LEAVES[index]!, index, size, proof, treeRoot(LEAVES.slice(0, size === 8 ? 7 : size + 1)))).toBe(false);
      }
    }
    expect(() => inclusionProof(8, LEAVES)).toThrow(RangeError);
  });

  it("proves every older tree a prefix of every newer one, and catches history rewritten between them", () => {
    for (let newSize = 1; newSize <= LEAVES.length; newSize += 1)
      for (let oldSize = 1; oldSize <= newSize; oldSize += 1) {
        const proof = consistencyProof(oldSize, LEAVES.slice(0, newSize));
        const [oldRoot, newRoot] = [treeRoot(LEAVES.slice(0, oldSize)), treeRoot(LEAVES.slice(0, newSize))];
        expect(verifyConsistency(oldSize, newSize, proof, oldRoot, newRoot), `${oldSize} → ${newSize}`).toBe(true);
        if (oldSize === newSize) continue;
        // One leaf of the old tree edited: the new tree is not an extension of the head the reader kept.
        const rewritten = LEAVES.slice(0, newSize).map((leaf, i) => (i === oldSize - 1 ? leafHash(Buffer.from("forged")) : leaf));
        const forged = consistencyProof(oldSize, rewritten);
        expect(verifyConsistency(oldSize, newSize, forged, oldRoot, treeRoot(rewritten)), `${oldSize} → ${newSize} rewritten`).toBe(false);
      }
  });

  it("keeps proofs logarithmic in the tree's size", () => {
    const leaves = Array.from({ length: 10_000 }, (_, i) => leafHash(Buffer.from(String(i))));
    const memo = new Map<string, Buffer>();
    expect(inclusionProof(4_321, leaves, memo).length).toBeLessThanOrEqual(14);
    expect(consistencyProof(1_234, leaves, memo).length).toBeLessThanOrEqual(2 * 14);
  });
});
