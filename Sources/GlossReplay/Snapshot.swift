import GlossCore

/// The canonical JSON form of a ledger's state (Protocol/MERGE.md §Snapshot) and its hash,
/// built whole in memory from a replayed state: the reference form. A ledger's own snapshot is
/// streamed from its projection by `SnapshotWriter`, which writes the same bytes.
public struct Snapshot: Sendable {
    public static let format = "gloss-snapshot-v1"
    /// The format of a selection that holds a device event or an erasure (MERGE.md §11.2, §18, §19).
    public static let formatWithDevices = "gloss-snapshot-v2"
    public static func format(_ state: LedgerState) -> String {
        state.devices.eventCount + state.erasures.eventCount > 0 ? formatWithDevices : format
    }

    /// One entry of the snapshot's `devices` (§18.4): a linked or revoked key.
    public struct DeviceRow: Sendable {
        public let device: PublicKey
        public let identity: PublicKey
        public let lastSeq: UInt64?
        public let linkedBy: EventID?
    }

    /// Every linked or revoked key, by key bytes.
    public static func deviceRows(_ devices: DeviceMap) -> [DeviceRow] {
        Set(devices.links.keys).union(devices.revocations.keys).sorted().map { k in
            DeviceRow(device: k, identity: devices.identity(of: k), lastSeq: devices.revocations[k]?.lastSeq, linkedBy: devices.links[k]?.event.id)
        }
    }

    /// The canonical (compact) serialisation.
    public let bytes: [UInt8]
    /// SHA-256 of `bytes`: the snapshot hash.
    public let hash: Hash32

    /// The snapshot of `events` (a causally closed set), optionally of one article only.
    public init(events: [Event], article: Hash32? = nil) {
        self.init(state: LedgerState.replay(events), heads: EventSelection.heads(events),
                  eventCount: Set(events.map(\.id)).count, article: article)
    }

    public init(state: LedgerState, heads: [EventID], eventCount: Int, article: Hash32? = nil) {
        let articles = state.articles.values
            .filter { article == nil || $0.id == article }
            .sorted { $0.id < $1.id }
        let annotations = state.annotations(of: article, includeDeleted: true)
        var out: [UInt8] = []
        let writer = SnapshotWriter { out.append(contentsOf: $0) }
        // The sink only appends to memory: nothing here throws.
        for a in annotations { try? writer.annotation(a.view) }
        for a in articles { try? writer.article(a.view) }
        hash = (try? writer.finish(events: eventCount, heads: heads, devices: state.devices, erasures: state.erasures.eventCount)) ?? .zero
        bytes = out
    }

    /// The reference tree form, serialised by `JSON`: what `SnapshotWriter` must equal.
    public static func tree(state: LedgerState, heads: [EventID], eventCount: Int, article: Hash32? = nil) -> JSON {
        let articles = state.articles.values.filter { article == nil || $0.id == article }.sorted { $0.id < $1.id }
        var o: [String: JSON] = [
            "format": .string(format(state)),
            "events": .int(Int64(eventCount)),
            "heads": .array(heads.sorted().map { .string($0.hex) }),
            "articles": .array(articles.map(\.json)),
            "annotations": .array(state.annotations(of: article, includeDeleted: true).map(\.json)),
        ]
        if state.devices.eventCount + state.erasures.eventCount > 0 {
            o["devices"] = .array(deviceRows(state.devices).map { d in
                var row: [String: JSON] = ["device": .string(d.device.hex), "identity": .string(d.identity.hex)]
                if let n = d.lastSeq { row["lastSeq"] = .int(Int64(n)) }
                if let l = d.linkedBy { row["linkedBy"] = .string(l.hex) }
                return .object(row)
            })
        }
        return .object(o)
    }
}

extension ArticleState {
    /// The article without its text (which its id already fixes), as snapshots carry it.
    /// `revisedText` (SHA-256 of the current text) appears only once a revision took effect.
    public var json: JSON {
        var o: [String: JSON] = [
            "id": .string(id.hex),
            "title": .string(title),
            "source": .string(source),
            "length": .int(Int64(text.unicodeScalars.count)),
            "addedBy": .string(added.identity.hex),
            "added": .int(added.time),
        ]
        if isRevised { o["revisedText"] = .string(SHA256.hash(Array(text.utf8)).hex) }
        return .object(o)
    }
}
