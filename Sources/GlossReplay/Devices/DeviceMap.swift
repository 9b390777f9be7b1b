import GlossCore

/// A `device.linked` or `device.revoked` event of a set, as the device map reads it.
public struct DeviceEvent: Sendable {
    public enum Change: Sendable, Equatable {
        case linked(DeviceLinked)
        case revoked(DeviceRevoked)
    }
    /// The event's stamp: its author is the device that signed it.
    public let stamp: Stamp
    public let seq: UInt64
    public let change: Change

    /// A device revoking itself: never void on account of its own cut, which it can only lower
    /// (otherwise a device cutting itself below the revocation's own seq would void it).
    var revokesItsSigner: Bool {
        if case .revoked(let r) = change { return r.device == stamp.author }
        return false
    }

    public init(stamp: Stamp, seq: UInt64, change: Change) { self.stamp = stamp; self.seq = seq; self.change = change }

    /// Nil unless `e` is a kind 10 or 11 event whose payload decodes.
    public init?(_ e: Event) {
        guard PayloadKind.isDevice(e.payloadKind) else { return nil }
        switch try? e.payload() {
        case .deviceLinked(let l): change = .linked(l)
        case .deviceRevoked(let r): change = .revoked(r)
        default: return nil
        }
        stamp = Stamp(e); seq = e.header.seq
    }
}

/// Which identity each key writes for, and which devices are revoked from which seq on: the
/// rules of Protocol/MERGE.md §18, a pure function of the set's device events. A key no link
/// names is its own identity, so a ledger without device events is unchanged by all this.
///
/// Built by passes over the device events in the total order, each skipping the events found
/// void by the pass before, until no applied event is void under the cuts the pass ends with:
/// a stolen device's links and revocations signed after its cut are void, whatever the order
/// its revocation arrived in.
public struct DeviceMap: Sendable, Equatable {
    /// An effective link: the device writes for `identity` since `event`.
    public struct Link: Sendable, Equatable {
        public let identity: PublicKey
        public let event: Stamp
    }
    /// An effective revocation: the device's events above `lastSeq` have no effect.
    public struct Revocation: Sendable, Equatable {
        public let lastSeq: UInt64
        /// The revocation that set the lowest `lastSeq` (the first in the total order among equals).
        public let event: Stamp
    }

    /// Linked devices, by key.
    public private(set) var links: [PublicKey: Link] = [:]
    /// Revoked devices (a root included), by key.
    public private(set) var revocations: [PublicKey: Revocation] = [:]
    /// Device events with no effect, and why (void ones included).
    public private(set) var ineffective: [EventID: String] = [:]
    /// How many device events the set holds, effective or not.
    public private(set) var eventCount = 0

    public static let empty = DeviceMap()
    private init() {}

    public init(_ events: [DeviceEvent]) {
        let sorted = events.sorted { $0.stamp < $1.stamp }
        var voided: Set<EventID> = []
        while true {
            var m = DeviceMap()
            let applied = m.pass(sorted, voided: voided)
            let newly = sorted.filter { applied.contains($0.stamp.id) && !$0.revokesItsSigner && m.isVoid(author: $0.stamp.author, seq: $0.seq) }
            if newly.isEmpty {
                for e in sorted where voided.contains(e.stamp.id) && m.ineffective[e.stamp.id] == nil {
                    m.ineffective[e.stamp.id] = "it was signed after its device's revocation"
                }
                m.eventCount = sorted.count
                self = m
                return
            }
            for e in newly { voided.insert(e.stamp.id) }
        }
    }

    /// One pass in the total order; returns the events that took effect.
    private mutating func pass(_ events: [DeviceEvent], voided: Set<EventID>) -> Set<EventID> {
        var applied: Set<EventID> = []
        for e in events where !voided.contains(e.stamp.id) {
            let signer = e.stamp.author
            if !e.revokesItsSigner, let reason = voidReason(author: signer, seq: e.seq) { ineffective[e.stamp.id] = reason; continue }
            let signerIdentity = identity(of: signer)
            switch e.change {
            case .linked(let l):
                if let why = refusal(of: l, signerIdentity: signerIdentity) { ineffective[e.stamp.id] = why; continue }
                links[l.device] = Link(identity: l.identity, event: e.stamp)
            case .revoked(let r):
                guard signerIdentity == r.identity else {
                    ineffective[e.stamp.id] = "its signer \(signer.raw.short()) is not a device of identity \(r.identity.raw.short())"
                    continue
                }
                guard identity(of: r.device) == r.identity else {
                    ineffective[e.stamp.id] = "device \(r.device.raw.short()) is not a device of identity \(r.identity.raw.short())"
                    continue
                }
                if let old = revocations[r.device], old.lastSeq <= r.lastSeq {
                    ineffective[e.stamp.id] = "device \(r.device.raw.short()) is already revoked after seq \(old.lastSeq)"
                    continue
                }
                revocations[r.device] = Revocation(lastSeq: r.lastSeq, event: e.stamp)
            }
            applied.insert(e.stamp.id)
        }
        return applied
    }

    private func refusal(of l: DeviceLinked, signerIdentity: PublicKey) -> String? {
        if signerIdentity != l.identity { return "its signer is not a device of identity \(l.identity.raw.short())" }
        if !l.consentVerifies { return "device \(l.device.raw.short())'s consent does not verify" }
        if revocations[l.device] != nil { return "device \(l.device.raw.short()) was revoked and cannot be linked again" }
        if let old = links[l.device] { return "device \(l.device.raw.short()) is already linked to identity \(old.identity.raw.short())" }
        if links.values.contains(where: { $0.identity == l.device }) { return "key \(l.device.raw.short()) is an identity with devices of its own" }
        return nil
    }

    /// The identity `key` writes for: the identity that linked it, else itself.
    public func identity(of key: PublicKey) -> PublicKey { links[key]?.identity ?? key }

    /// Whether an event by `author` at `seq` has no effect because its device was revoked before it.
    public func isVoid(author: PublicKey, seq: UInt64) -> Bool {
        guard let r = revocations[author] else { return false }
        return seq > r.lastSeq
    }

    /// Why an event by `author` at `seq` has no effect, when its device was revoked before it.
    public func voidReason(author: PublicKey, seq: UInt64) -> String? {
        guard let r = revocations[author], seq > r.lastSeq else { return nil }
        return "it was signed by device \(author.raw.short()) at seq \(seq), after its revocation (only seq 1–\(r.lastSeq) count)"
    }

    /// `identity` and its linked devices, the identity first, then devices in the order of their links.
    public func devices(of identity: PublicKey) -> [PublicKey] {
        [identity] + links.filter { $0.value.identity == identity }.sorted { $0.value.event < $1.value.event }.map(\.key)
    }

    /// Whether any key is linked or revoked.
    public var isEmpty: Bool { links.isEmpty && revocations.isEmpty }

    /// Equal maps attribute and void every event alike (the reasons of ineffective device events aside).
    public static func == (a: DeviceMap, b: DeviceMap) -> Bool {
        a.links == b.links && a.revocations == b.revocations && a.eventCount == b.eventCount
    }
}

extension DeviceMap {
    /// Names given to keys (an allow-list), as names of identities: a name given to any device
    /// of an identity names the identity, the identity's own key's name first.
    public func namesByIdentity(_ names: [PublicKey: String]) -> [PublicKey: String] {
        var out: [PublicKey: String] = [:]
        for (key, name) in names.sorted(by: { $0.key < $1.key }) where !name.isEmpty {
            let identity = self.identity(of: key)
            if out[identity] == nil || key == identity { out[identity] = name }
        }
        return out
    }
}

extension DeviceMap {
    /// The keys a store at `own` syncs with (SYNC.md §5.4): those on its allow-list (`peers`),
    /// every device of an allowed identity and of `own`'s identity (a person's phone syncs with
    /// their laptop unasked), never a revoked device, never `own`.
    public func allowedKeys(peers: [PublicKey], own: PublicKey) -> Set<PublicKey> {
        var identities = Set(peers.map { identity(of: $0) })
        identities.insert(identity(of: own))
        var out = Set(peers)
        for i in identities { out.formUnion(devices(of: i)) }
        out.remove(own)
        return out.filter { revocations[$0] == nil }
    }
}
