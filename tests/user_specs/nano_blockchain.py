"""The original Nano block lattice: tlaplus/Examples' specifications/NanoBlockchain (Nano.tla, with MCNano.tla's
model), checked as MCNanoSmall.cfg checks it, through TLC's ``VIEW View == <<distributedLedger, received>>``.

MCNano models the hash function by a variable, ``hashFunction``, that gives each new block the first hash not yet
given (``CalculateHashImpl``), and its view leaves out ``hashFunction`` and ``lastHash``: which hash each block got is
in the ledgers and in the signatures of the blocks received, and ``lastHash`` is only read to tell whether the
genesis block exists, which the ledgers say too (so states merged differ only in ``lastHash``: none on
MCNanoSmall, 22,404 on MCNanoMedium, ``--hashes 4``, 530,587 / 1,120,079 / 11 with TLC and here).
tests/user_specs/NanoBlockchain/ holds the TLA+ text and the models TLC 2.20 ran:

    paxraft check tests/user_specs/nano_blockchain.py:NanoBlockchain           # 3,003 / 6,083 / 7, as TLC
    paxraft check tests/user_specs/nano_blockchain.py:NanoBlockchain --forge   # SafetyInvariant, as TLC
    paxraft variants --check --spec tests/user_specs/nano_blockchain.py       # the same bug, as a variant

Hashes are 0..h-1 (TLC's h1, h2, ...), keys and nodes 0..n-1: KeyPair and Ownership are TLC's CHOOSEs, which
pair prv_i with pub_i and give node n_i the key prv_i. NO (-1) is NoHash and NoBlock.
"""

from __future__ import annotations

from typing import Annotated, NamedTuple

from spec.core import Spec, SpecError, action, invariant

# Blocks as tuples whose first field is the type (TLA+ records with a "type" field):
#   (GENESIS, account, balance)     (SEND, previous, balance, destination)
#   (OPEN, account, source, rep)    (RECEIVE, previous, source)     (CHANGE, previous, rep)
# A signed block is (block, (data, signedWith)): the signature of hash ``data`` with private key ``signedWith``.
Block = tuple
Signed = tuple[Block, tuple[int, int]]
Ledger = tuple[Signed | int, ...]  # Ledger == [Hash -> SignedBlock \cup {NoBlock}]
GENESIS, SEND, OPEN, RECEIVE, CHANGE = range(5)  # the block types, as small ints (writing-a-spec.md section 1)
NO = -1  # NoHash and NoBlock: MCNano's model values NoHashVal and NoBlockVal (None cannot be written as ITF)
FIELDS = {GENESIS: 3, SEND: 4, OPEN: 4, RECEIVE: 3, CHANGE: 3}


class NanoState(NamedTuple):
    hashFunction: tuple[Block | int, ...]  # hashFunction[h]: the block hashed to h, or NoBlock
    lastHash: int  # the last hash calculated, or NoHash
    distributedLedger: tuple[Ledger, ...]  # distributedLedger[n]: node n's confirmed blocks, by hash
    received: tuple[frozenset[Signed], ...]  # received[n]: the blocks node n has not validated yet


class NanoBlockchain(Spec):
    """Nano's block lattice: accounts open, send, receive and change representative by signed blocks that every
    node validates before it confirms them; MCNano's hash function runs out after ``--hashes`` blocks."""

    name = "NanoBlockchain"
    canonical_order = False  # Next's steps in TLC's order, so a counterexample stops where TLC's does
    variables = NanoState._fields

    def __init__(
        self,
        hashes: Annotated[int, "number of hashes (Hash = h1..hN): the blocks the model can make"] = 3,
        keys: Annotated[int, "number of key pairs and of nodes (PrivateKey, PublicKey, Node)"] = 2,
        genesis_balance: Annotated[int, "GenesisBalance: the coins in the network"] = 3,
        forge: Annotated[bool, "plant a bug: a node may send from any account, and a send's signature is not "
                               "checked (MCNanoForge.cfg)"] = False,
    ) -> None:
        for flag, x, low, high in (("hashes", hashes, 1, 6), ("keys", keys, 1, 3),
                                   ("genesis-balance", genesis_balance, 0, 5)):
            if not isinstance(x, int) or isinstance(x, bool) or not low <= x <= high:
                raise SpecError(f"NanoBlockchain: --{flag} must be an integer from {low} to {high}, got {x!r}")
        self.Hash, self.Key, self.Node = range(hashes), range(keys), range(keys)
        self.GenesisBalance, self.forge = genesis_balance, forge
        super().__init__()

    def init_states(self) -> list[NanoState]:
        nodes = len(self.Node)
        return [NanoState((NO,) * len(self.Hash), NO, ((NO,) * len(self.Hash),) * nodes,
                          (frozenset(),) * nodes)]

    # --- MCNano's hash function and Nano's ledger arithmetic -------------------------------------------------------

    def _calculate_hash(self, s: NanoState, block: Block) -> tuple[int, tuple[Block | int, ...]]:
        """CalculateHashImpl: the hash the block already has, else the first hash not yet given; and the new
        hashFunction. Only called when UndefinedHashesExist (MCNano's Next), so there is one."""
        f = s.hashFunction
        h = f.index(block) if block in f else f.index(NO)
        return h, f[:h] + (block,) + f[h + 1:]

    @staticmethod
    def public_key_of(ledger: Ledger, h: int) -> int:
        """PublicKeyOf: the account of the genesis or open block at the root of h's chain."""
        block = ledger[h][0]  # type: ignore[index]
        while block[0] not in (GENESIS, OPEN):
            block = ledger[block[1]][0]  # type: ignore[index]
        return block[1]

    def balance_at(self, ledger: Ledger, h: int) -> int:
        """BalanceAt: the account's balance after the block at h."""
        block = ledger[h][0]  # type: ignore[index]
        kind = block[0]
        if kind == OPEN:
            return self.value_of_send(ledger, block[2])
        if kind == SEND:
            return block[2]
        if kind == RECEIVE:
            return self.balance_at(ledger, block[1]) + self.value_of_send(ledger, block[2])
        if kind == CHANGE:
            return self.balance_at(ledger, block[1])
        return block[2]  # genesis

    def value_of_send(self, ledger: Ledger, h: int) -> int:
        """ValueOfSendBlock: what the send block at h took from its account."""
        block = ledger[h][0]  # type: ignore[index]
        return self.balance_at(ledger, block[1]) - block[2]

    @staticmethod
    def _is_send_to(ledger: Ledger, h: int, account: int) -> bool:
        """``ledger[h] /= NoBlock /\\ ledger[h].block.type = SEND /\\ ledger[h].block.destination = account``"""
        signed = ledger[h]
        return signed != NO and signed[0][0] == SEND and signed[0][3] == account

    def _valid(self, ledger: Ledger, block: Block) -> bool:
        """ValidateOpenBlock, ValidateSendBlock, ValidateReceiveBlock and ValidateChangeBlock."""
        kind = block[0]
        if kind == OPEN:
            return self._is_send_to(ledger, block[2], block[1])
        if kind == GENESIS or ledger[block[1]] == NO:
            return False
        if kind == SEND:
            return block[2] <= self.balance_at(ledger, block[1])
        if kind == RECEIVE:
            return self._is_send_to(ledger, block[2], self.public_key_of(ledger, block[1]))
        return True  # change

    def _owned(self, s: NanoState, node: int, anyone: bool = False) -> list[int]:
        """``\\E prevHash \\in Hash : ledger[prevHash] /= NoBlock /\\ PublicKeyOf(ledger, prevHash) = publicKey``
        (``anyone``: any block in the node's ledger, --forge's sends)."""
        ledger = s.distributedLedger[node]
        return [h for h in self.Hash if ledger[h] != NO
                and (anyone or self.public_key_of(ledger, h) == node)]

    # --- Next: IF UndefinedHashesExist THEN N!Next ELSE StutterWhenHashesDepleted -----------------------------------

    @action(lambda self, s: [(k,) for k in self.Key])
    def CreateGenesisBlock(self, s: NanoState, privateKey: int) -> NanoState | None:
        if NO not in s.hashFunction or s.lastHash != NO:
            return None
        block = (GENESIS, privateKey, self.GenesisBalance)  # KeyPair[prv_i] = pub_i
        h, f = self._calculate_hash(s, block)
        signed = (block, (h, privateKey))
        return s._replace(hashFunction=f, lastHash=h,
                          distributedLedger=tuple(x[:h] + (signed,) + x[h + 1:] for x in s.distributedLedger))

    def _blocks(self, s: NanoState) -> list[tuple[int, Block]]:
        """``\\E node \\in Node : CreateBlock(node)``, in TLC's order: node by node, CreateOpenBlock's
        ``\\E repPublicKey, srcHash``, CreateSendBlock's ``\\E prevHash, recipient, newBalance``,
        CreateReceiveBlock's ``\\E prevHash, srcHash``, CreateChangeRepBlock's ``\\E prevHash, newRep``."""
        out: list[tuple[int, Block]] = []
        for n in self.Node:
            out += [(n, (OPEN, n, src, rep)) for rep in self.Key for src in self.Hash]
            out += [(n, (SEND, prev, b, to)) for prev in self._owned(s, n, self.forge) for to in self.Key
                    for b in range(self.GenesisBalance + 1)]
            out += [(n, (RECEIVE, prev, src)) for prev in self._owned(s, n) for src in self.Hash]
            out += [(n, (CHANGE, prev, rep)) for prev in self._owned(s, n) for rep in self.Key]
        return out

    @action(_blocks)
    def CreateBlock(self, s: NanoState, node: int, block: Block) -> NanoState | None:
        """CreateOpenBlock, CreateSendBlock, CreateReceiveBlock or CreateChangeRepBlock: hash the block, sign it
        with the node's key, and send it to every node."""
        if NO not in s.hashFunction or not self._valid(s.distributedLedger[node], block):
            return None
        h, f = self._calculate_hash(s, block)
        signed = (block, (h, node))  # Ownership[n_i] = prv_i
        return s._replace(hashFunction=f, lastHash=h, received=tuple(r | {signed} for r in s.received))

    @action(lambda self, s: [(n, b) for n in self.Node for b in sorted(s.received[n])])
    def ProcessBlock(self, s: NanoState, node: int, signed: Signed) -> NanoState | None:
        """ProcessOpenBlock, ProcessSendBlock, ProcessReceiveBlock or ProcessChangeRepBlock, by the block's type:
        validate it against the node's ledger, check its signature, and confirm it."""
        ledger = s.distributedLedger[node]
        block, (data, signed_with) = signed
        kind = block[0]
        if NO not in s.hashFunction or not self._valid(ledger, block):
            return None
        if kind == OPEN and any(x != NO and x[0][0] in (GENESIS, OPEN) and x[0][1] == block[1]
                                  for x in ledger):
            return None  # IsAccountOpen
        if kind == RECEIVE and any(x != NO and x[0][0] in (OPEN, RECEIVE) and x[0][2] == block[2]
                                     for x in ledger):
            return None  # IsSendReceived
        h, f = self._calculate_hash(s, block)
        signer = block[1] if kind == OPEN else self.public_key_of(ledger, block[1])
        if (signed_with != signer or data != h) and not (self.forge and kind == SEND):
            return None  # ValidateSignature
        ledgers = s.distributedLedger
        return s._replace(hashFunction=f, lastHash=h,
                          distributedLedger=ledgers[:node] + (ledger[:h] + (signed,) + ledger[h + 1:],)
                          + ledgers[node + 1:],
                          received=s.received[:node] + (s.received[node] - {signed},) + s.received[node + 1:])

    @action()
    def StutterWhenHashesDepleted(self, s: NanoState) -> NanoState | None:
        """MCNano's state restriction: once every hash is given, the only step changes nothing."""
        return s if NO not in s.hashFunction else None

    def view(self, s: NanoState) -> tuple:
        """MCNano's ``View == <<distributedLedger, received>>``: hashFunction and lastHash left out."""
        return s.distributedLedger, s.received

    # --- the invariants ---------------------------------------------------------------------------------------------

    def _is_block(self, block: object) -> bool:
        """Block: GenesisBlock \\cup SendBlock \\cup OpenBlock \\cup ReceiveBlock \\cup ChangeRepBlock."""
        if not isinstance(block, tuple) or not block or FIELDS.get(block[0]) != len(block):
            return False
        kind, keys, hashes, coins = block[0], self.Key, self.Hash, range(self.GenesisBalance + 1)
        ranges = {GENESIS: (keys, (self.GenesisBalance,)), SEND: (hashes, coins, keys),
                  OPEN: (keys, hashes, keys), RECEIVE: (hashes, hashes), CHANGE: (hashes, keys)}[kind]
        return all(x in r for x, r in zip(block[1:], ranges))

    def _is_signed(self, x: object) -> bool:
        """SignedBlock: [block : Block, signature : Signature]."""
        return (isinstance(x, tuple) and len(x) == 2 and self._is_block(x[0]) and isinstance(x[1], tuple)
                and len(x[1]) == 2 and x[1][0] in self.Hash and x[1][1] in self.Key)

    @invariant
    def TypeInvariant(self, s: NanoState) -> bool:
        return (all(b == NO or self._is_block(b) for b in s.hashFunction)
                and (s.lastHash == NO or s.lastHash in self.Hash)
                and all(x == NO or self._is_signed(x) for ledger in s.distributedLedger for x in ledger)
                and all(self._is_signed(x) for r in s.received for x in r))

    @invariant
    def SafetyInvariant(self, s: NanoState) -> bool:
        """CryptographicInvariant: every confirmed block is signed, over its own hash, by its chain's account."""
        return all(x == NO or (x[1][1] == self.public_key_of(ledger, h) and x[1][0] == h)
                   for ledger in s.distributedLedger for h, x in enumerate(ledger))


class ForgedSend(NanoBlockchain):
    """NanoForge.tla: CreateSendBlock without its ownership check and ProcessSendBlock without its signature
    check (the --forge flag, as a catalogued variant)."""

    variant = "forged-send"
    rule = "a node sends from any account, and a send's signature is not checked"
    breaks = "SafetyInvariant"
    failing_bounds = {"hashes": 3}
    trace_length = 3

    def __init__(self, hashes: int = 3, keys: int = 2, genesis_balance: int = 3) -> None:
        super().__init__(hashes=hashes, keys=keys, genesis_balance=genesis_balance, forge=True)
