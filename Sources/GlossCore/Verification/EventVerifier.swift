/// What a store knows about the events a batch names, looked up once for the whole batch: the
/// facts the rules of Protocol/EVENTS.md §8.2 need beyond the event itself.
public struct ChainFacts: Sendable {
    /// An event already stored: where it sits in its author's chain and in causal order.
    public struct Stored: Sendable, Equatable {
        public let author: PublicKey
        public let seq: UInt64
        public let lamport: UInt64
        public init(author: PublicKey, seq: UInt64, lamport: UInt64) {
            self.author = author; self.seq = seq; self.lamport = lamport
        }
    }
    public struct Seat: Hashable, Sendable {
        public let author: PublicKey
        public let seq: UInt64
        public init(author: PublicKey, seq: UInt64) { self.author = author; self.seq = seq }
    }
    /// Stored events among those the batch holds or names as parents, by id.
    public var stored: [EventID: Stored]
    /// The stored event at each (author, seq) of the batch's events.
    public var seats: [Seat: EventID]
    /// Authors refused because they forked their chain.
    public var forked: Set<PublicKey>

    public init(stored: [EventID: Stored] = [:], seats: [Seat: EventID] = [:], forked: Set<PublicKey> = []) {
        self.stored = stored; self.seats = seats; self.forked = forked
    }
}

/// Why an event may not be stored. `code` is what a caller matches on; `message` says what is
/// wrong with the event and what to do.
public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case badSignature, invalidPayload, authorForked, missingParent, brokenChain, badLamport
        /// Another event holds the same (author, seq): the two are a fork.
        case fork(twin: EventID)
    }
    public let code: Code
    public let message: String
    public let event: EventID
    public var description: String { message }
}

/// The one set of rules that decides whether an event may be stored (EVENTS.md §8.2: S2–S8),
/// as a pure function of the event and the facts the store looked up for its batch. Append,
/// bundle import, sync ingest and `gloss verify` all call it. Canonical form, id and payload
/// hash (D1–D7) are established by `Event.decode`; the caller says whether the signature and
/// the payload (D8) check, since those are computed elsewhere (on every core).
///
/// Events of a batch are checked in order; each accepted one counts as stored for the events
/// after it.
public struct EventVerifier: Sendable {
    public private(set) var facts: ChainFacts

    public init(facts: ChainFacts) { self.facts = facts }

    /// Adds facts looked up for the next chunk of a batch (what this verifier accepted so far
    /// stays: the store has not committed it yet, so its lookups cannot see it).
    public mutating func learn(_ more: ChainFacts) {
        facts.stored.merge(more.stored) { mine, _ in mine }
        facts.seats.merge(more.seats) { mine, _ in mine }
        facts.forked.formUnion(more.forked)
    }

    public enum Verdict: Sendable, Equatable {
        /// It may be stored (and now counts as stored).
        case store
        /// The store already holds it: skip it.
        case alreadyStored
        case refuse(Refusal)
    }

    public mutating func check(_ e: Event, signatureValid: Bool, payloadValid: Bool) -> Verdict {
        let h = e.header
        if facts.stored[e.id] != nil { return .alreadyStored }
        let who = "event \(e.id.short()) (author \(h.author.raw.short()), seq \(h.seq))"
        func refuse(_ code: Refusal.Code, _ message: String) -> Verdict {
            .refuse(Refusal(code: code, message: message, event: e.id))
        }
        guard signatureValid else {
            return refuse(.badSignature, "\(who) has a bad signature: it was not signed by its author's key")
        }
        guard payloadValid else {
            return refuse(.invalidPayload, "\(who) has an invalid payload: it does not decode as its kind")
        }
        if facts.forked.contains(h.author) {
            return refuse(.authorForked, "\(who) is refused: its author has forked its chain (two events with one seq); nothing more of that author is accepted")
        }
        if let twin = facts.seats[ChainFacts.Seat(author: h.author, seq: h.seq)], twin != e.id {
            return refuse(.fork(twin: twin), "\(who) is a fork: the ledger already holds another event \(twin.short()) with that author and seq. Both are kept as evidence and the author is refused from now on")
        }
        var maxLamport: UInt64 = 0
        if let prev = h.prev {
            guard let p = facts.stored[prev] else {
                return refuse(.missingParent, "\(who) names prev \(prev.short()), which this ledger does not hold: its author's earlier events must come first")
            }
            guard p.author == h.author, p.seq == h.seq - 1 else {
                return refuse(.brokenChain, "\(who) has a broken chain: prev \(prev.short()) is not its author's event at seq \(h.seq - 1)")
            }
            maxLamport = p.lamport
        }
        for d in h.deps {
            guard let p = facts.stored[d] else {
                return refuse(.missingParent, "\(who) depends on \(d.short()), which this ledger does not hold: send its dependencies first")
            }
            maxLamport = max(maxLamport, p.lamport)
        }
        guard h.lamport == maxLamport + 1 else {
            return refuse(.badLamport, "\(who) has lamport \(h.lamport), but 1 + the largest lamport of its parents is \(maxLamport + 1)")
        }
        assumeStored(e)
        return .store
    }

    /// Counts `e` as stored for the events checked after it (what `verify` does with a stored
    /// event it found fault with, so that its descendants are judged on their own).
    public mutating func assumeStored(_ e: Event) {
        facts.stored[e.id] = ChainFacts.Stored(author: e.header.author, seq: e.header.seq, lamport: e.header.lamport)
        facts.seats[ChainFacts.Seat(author: e.header.author, seq: e.header.seq)] = e.id
    }
}

extension ChainFacts {
    /// What a batch's facts are looked up by, whatever the store: the ids of its events and of
    /// their parents, and for each author the range of seqs its events take.
    public struct Lookup: Sendable {
        public var ids: Set<EventID> = []
        public var seats: [PublicKey: ClosedRange<UInt64>] = [:]

        public init(_ events: [Event]) {
            for e in events {
                ids.insert(e.id)
                for p in e.header.parents { ids.insert(p) }
                let s = e.header.seq
                seats[e.author] = seats[e.author].map { min($0.lowerBound, s)...max($0.upperBound, s) } ?? s...s
            }
        }
    }
}
