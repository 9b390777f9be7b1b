import GlossCore

/// The rules of Protocol/MERGE.md applied for speed: the replay `gloss verify` and
/// `snapshot --at` run over the log, and `make bench` measures. It reads each stored event in
/// place (`StoredEventView`, `RawReader`: no decoded payload, no `String`, no array per event),
/// keeps text as ranges of one byte arena, register writes, tag additions and replies in
/// shared pools linked by integer indices, and builds `String`s only when the snapshot is
/// written. `LedgerState` is the readable reference; the property tests hold the two (and the
/// SQLite projection) to the same snapshot bytes.
///
/// Events must be stored events (verified when stored, so their payloads decode); one that
/// does not parse has no effect, as MERGE.md §4 says of a payload that does not decode.
public struct FastReplay: Sendable {
    /// A run of bytes in `arena`.
    struct Ref { var start: Int; var count: Int }
    struct StampRec {
        var lamport: UInt64, author: Hash32, id: Hash32, time: Int64
        static func < (a: StampRec, b: StampRec) -> Bool {
            if a.lamport != b.lamport { return a.lamport < b.lamport }
            if a.author != b.author { return a.author < b.author }
            return a.id < b.id
        }
    }
    struct SelectorRec { var exact: Ref, prefix: Ref, suffix: Ref, start: UInt32, end: UInt32 }
    struct Write { var stamp: StampRec; var a: Int; var b: Int; var next: Int32 }
    struct RegKey: Hashable { let ann: Int32; let reg: UInt8; let id: Hash32 }
    struct TagAdd { let tag: Int32; let event: Hash32; let next: Int32 }
    struct TagKey: Hashable { let ann: Int32; let tag: Int32; let event: Hash32 }
    struct Link { let item: Int32; let next: Int32 }
    struct Revision { let stamp: StampRec; let pred: [Hash32]; let text: Ref }
    struct ArticleRec {
        let id: Hash32
        var first: StampRec
        var title: Ref, source: Ref
        let originalLength: Int
        var adders: [Hash32]
        var revisions: [Revision] = []
    }
    struct AnnotationRec {
        let created: StampRec
        let article: Hash32
        let parent: Int32            // -1: a passage annotation
        let selector: Int32          // index in `selectors`, -1 for a reply
        let editors: Ref             // 32 bytes each
        var heads: (Int32, Int32, Int32, Int32) = (-1, -1, -1, -1)  // body, motivation, deleted, reanchor
        var tags: Int32 = -1
        var replies: Int32 = -1
        var modified: StampRec
        /// An erased annotation (§19): no registers, tags or selector; `erasures` says the rest.
        var erased = false
    }
    struct Pending { let id: Hash32; let bytes: [UInt8] }

    var arena: [UInt8] = []
    var articleIndex: [Hash32: Int32] = [:]
    var articles: [ArticleRec] = []
    var annotationIndex: [Hash32: Int32] = [:]
    var annotations: [AnnotationRec] = []
    var selectors: [SelectorRec] = []
    var writes: [Write] = []
    var replaced: Set<RegKey> = []
    var tagAdds: [TagAdd] = []
    var tagRemoved: Set<TagKey> = []
    var tagIndex: [UInt64: Int32] = [:]
    var tagRefs: [Ref] = []
    var links: [Link] = []
    var waiting: [Hash32: [Pending]] = [:]
    /// Events that broke a rule, and why.
    public private(set) var rejected: [Hash32: String] = [:]
    /// Events applied (each id once: the caller's log holds each id once).
    public private(set) var applied = 0
    public private(set) var unknownKinds = 0
    /// Who writes for whom (MERGE.md §18): set from the selection's device events before any
    /// event is applied.
    public var devices: DeviceMap = .empty
    /// Which payloads are erased (MERGE.md §19): set from the selection's erasures before any
    /// event is applied.
    public var erasures: ErasureMap = .empty

    public init() {
        arena.reserveCapacity(1 << 20)
    }

    /// The identity `author` writes for.
    @inline(__always) func who(_ author: Hash32) -> Hash32 {
        devices.isEmpty ? author : devices.identity(of: PublicKey(author)).raw
    }
    /// A record's stamp, with its author's identity.
    func stamp(_ s: StampRec) -> Stamp {
        Stamp(lamport: s.lamport, author: PublicKey(s.author), id: s.id, time: s.time, identity: PublicKey(who(s.author)))
    }

    // MARK: Applying

    /// Applies one stored event: `bytes` are its canonical bytes, `id` its id.
    public mutating func apply(id: Hash32, bytes: UnsafeRawBufferPointer) {
        applied += 1
        guard let e = StoredEventView(bytes) else { rejected[id] = "payload does not decode"; return }
        // Void first (§18.1): a void event is absent, erased or not.
        if !devices.isEmpty, let why = devices.voidReason(author: PublicKey(e.author), seq: e.seq) {
            var k = RawReader(e.payload)
            if !PayloadKind.isExemptFromVoiding(k.u16() ?? 0) { rejected[id] = why; return }
        }
        if !erasures.isEmpty, erasures.erasedEvents[id] != nil {
            // Its payload is ignored even where still held: every ledger decides alike.
            if erasures.annotations[id] != nil {
                let stamp = StampRec(lamport: e.lamport, author: e.author, id: id, time: e.time)
                erased(stamp, erasedMarker(id))
            } else {
                rejected[id] = "its payload was erased"
            }
            return
        }
        if e.isErased { rejected[id] = "its payload was erased by an erasure this ledger does not hold"; return }
        let stamp = StampRec(lamport: e.lamport, author: e.author, id: id, time: e.time)
        if !apply(payload: e.payload, stamp: stamp) { rejected[id] = "payload does not decode" }
    }

    /// False when the payload does not parse.
    private mutating func apply(payload: UnsafeRawBufferPointer, stamp: StampRec) -> Bool {
        var r = RawReader(payload)
        guard let kind = r.u16() else { return false }
        switch kind {
        case PayloadKind.articleAdded.rawValue:
            guard let title = r.string(), let source = r.string(), let text = r.string() else { return false }
            addArticle(title: title, source: source, text: text, stamp)
        case PayloadKind.annotationCreated.rawValue:
            return create(&r, payload, stamp)
        case PayloadKind.bodyEdited.rawValue, PayloadKind.motivationChanged.rawValue:
            guard let target = r.id(), let pred = r.u8(), let predAt = r.raw(32 * Int(pred)), let value = r.string() else { return false }
            let reg: UInt8 = kind == PayloadKind.bodyEdited.rawValue ? 0 : 1
            change(target, payload, stamp) { me, n in me.write(n, reg, stamp, a: me.store(value), b: value.count, pred: predAt) }
        case PayloadKind.tagsChanged.rawValue:
            guard let target = r.id(), let addCount = r.u8() else { return false }
            var adds: [UnsafeRawBufferPointer] = []
            for _ in 0..<addCount { guard let t = r.string() else { return false }; adds.append(t) }
            guard let removeCount = r.u8() else { return false }
            var removes: [UnsafeRawBufferPointer] = []
            for _ in 0..<removeCount { guard let t = r.string() else { return false }; removes.append(t) }
            guard let pred = r.u8(), let predAt = r.raw(32 * Int(pred)) else { return false }
            change(target, payload, stamp) { me, n in
                for t in removes {
                    let tag = me.intern(t)
                    Self.forEachID(predAt) { me.tagRemoved.insert(TagKey(ann: n, tag: tag, event: $0)) }
                }
                for t in adds { me.addTag(n, me.intern(t), stamp.id) }
            }
        case PayloadKind.annotationDeleted.rawValue, PayloadKind.annotationRestored.rawValue:
            guard let target = r.id(), let pred = r.u8(), let predAt = r.raw(32 * Int(pred)) else { return false }
            let flag = kind == PayloadKind.annotationDeleted.rawValue ? 1 : 0
            change(target, payload, stamp) { me, n in me.write(n, 2, stamp, a: flag, b: 0, pred: predAt) }
        case PayloadKind.articleRevised.rawValue:
            guard let article = r.id(), let pred = r.u8(), let predAt = r.raw(32 * Int(pred)), let text = r.string() else { return false }
            guard let i = articleIndex[article] else { wait(for: article, stamp, payload); return true }
            var ids: [Hash32] = []
            Self.forEachID(predAt) { ids.append($0) }
            articles[Int(i)].revisions.append(Revision(stamp: stamp, pred: ids, text: Ref(start: store(text), count: text.count)))
        case PayloadKind.annotationReanchored.rawValue:
            guard let target = r.id(), let pred = r.u8(), let predAt = r.raw(32 * Int(pred)), let sel = selector(&r) else { return false }
            if let i = annotationIndex[target], annotations[Int(i)].parent >= 0 {
                rejected[stamp.id] = "a reply has no passage to re-anchor"
                return true
            }
            change(target, payload, stamp) { me, n in
                me.selectors.append(sel)
                me.write(n, 3, stamp, a: me.selectors.count - 1, b: 0, pred: predAt)
            }
        case PayloadKind.annotationErased.rawValue:
            // An erased creation that waited for its article or parent carries its own id.
            if let target = r.id(), target == stamp.id, erasures.annotations[target] != nil { erased(stamp, payload) }
        case PayloadKind.deviceLinked.rawValue, PayloadKind.deviceRevoked.rawValue:
            break  // their whole effect is the device map, built before replay
        default:
            unknownKinds += 1
        }
        return true
    }

    private mutating func addArticle(title: UnsafeRawBufferPointer, source: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer, _ stamp: StampRec) {
        let id = SHA256.hash(Array(text))
        if let i = articleIndex[id] {
            var a = articles[Int(i)]
            if !a.adders.contains(who(stamp.author)) { a.adders.append(who(stamp.author)) }
            if stamp < a.first {
                a.first = stamp
                a.title = Ref(start: store(title), count: title.count)
                a.source = Ref(start: store(source), count: source.count)
            }
            articles[Int(i)] = a
            return
        }
        articleIndex[id] = Int32(articles.count)
        articles.append(ArticleRec(id: id, first: stamp, title: Ref(start: store(title), count: title.count),
                                   source: Ref(start: store(source), count: source.count),
                                   originalLength: Self.codePoints(text), adders: [who(stamp.author)]))
        wake(id)
    }

    private mutating func create(_ r: inout RawReader, _ payload: UnsafeRawBufferPointer, _ stamp: StampRec) -> Bool {
        guard let article = r.id(), let targetKind = r.u8() else { return false }
        var parentID: Hash32?
        var sel: SelectorRec?
        if targetKind == 0 { guard let s = selector(&r) else { return false }; sel = s }
        else { guard let p = r.id() else { return false }; parentID = p }
        guard let motivation = r.string(), let body = r.string(), let tagCount = r.u8() else { return false }
        var tags: [UnsafeRawBufferPointer] = []
        for _ in 0..<tagCount { guard let t = r.string() else { return false }; tags.append(t) }
        guard let editorCount = r.u8(), let editors = r.raw(32 * Int(editorCount)) else { return false }
        guard annotationIndex[stamp.id] == nil else { return true }
        guard articleIndex[article] != nil else { wait(for: article, stamp, payload); return true }
        var parent: Int32 = -1
        if let parentID {
            guard let p = annotationIndex[parentID] else { wait(for: parentID, stamp, payload); return true }
            guard annotations[Int(p)].article == article else {
                rejected[stamp.id] = "it replies to \(parentID.short()) but names another article"
                return true
            }
            parent = p
        }
        var selfEditor = false
        Self.forEachID(editors) { if $0 == stamp.author { selfEditor = true } }
        if selfEditor { rejected[stamp.id] = "it lists its own author as an editor"; return true }
        let n = Int32(annotations.count)
        var selIndex: Int32 = -1
        if let sel { selectors.append(sel); selIndex = Int32(selectors.count - 1) }
        annotations.append(AnnotationRec(created: stamp, article: article, parent: parent, selector: selIndex,
                                         editors: Ref(start: store(editors), count: editors.count), modified: stamp))
        annotationIndex[stamp.id] = n
        write(n, 0, stamp, a: store(body), b: body.count, pred: nil)
        write(n, 1, stamp, a: store(motivation), b: motivation.count, pred: nil)
        write(n, 2, stamp, a: 0, b: 0, pred: nil)
        for t in tags { addTag(n, intern(t), stamp.id) }
        if parent >= 0 {
            links.append(Link(item: n, next: annotations[Int(parent)].replies))
            annotations[Int(parent)].replies = Int32(links.count - 1)
        }
        wake(stamp.id)
        return true
    }

    /// The payload an erased creation waits with: kind 12 naming itself.
    private func erasedMarker(_ id: Hash32) -> [UInt8] {
        var b: [UInt8] = [0, UInt8(PayloadKind.annotationErased.rawValue)]
        id.appendBytes(to: &b)
        return b
    }

    private mutating func erased(_ stamp: StampRec, _ marker: [UInt8]) {
        marker.withUnsafeBytes { erased(stamp, $0) }
    }

    /// An erased annotation (§19), placed by its erasure.
    private mutating func erased(_ stamp: StampRec, _ marker: UnsafeRawBufferPointer) {
        guard annotationIndex[stamp.id] == nil, let x = erasures.annotations[stamp.id] else { return }
        guard articleIndex[x.article] != nil else { wait(for: x.article, stamp, marker); return }
        var parent: Int32 = -1
        if let p = x.replyTo {
            guard let pn = annotationIndex[p] else { wait(for: p, stamp, marker); return }
            guard annotations[Int(pn)].article == x.article else {
                rejected[stamp.id] = "it replies to \(p.short()) but names another article"
                return
            }
            parent = pn
        }
        let n = Int32(annotations.count)
        var rec = AnnotationRec(created: stamp, article: x.article, parent: parent, selector: -1,
                                editors: Ref(start: 0, count: 0), modified: stamp)
        rec.erased = true
        annotations.append(rec)
        annotationIndex[stamp.id] = n
        if parent >= 0 {
            links.append(Link(item: n, next: annotations[Int(parent)].replies))
            annotations[Int(parent)].replies = Int32(links.count - 1)
        }
        wake(stamp.id)
    }

    private mutating func selector(_ r: inout RawReader) -> SelectorRec? {
        guard let exact = r.string(), let prefix = r.string(), let suffix = r.string(), let start = r.u32(), let end = r.u32() else { return nil }
        return SelectorRec(exact: Ref(start: store(exact), count: exact.count), prefix: Ref(start: store(prefix), count: prefix.count),
                           suffix: Ref(start: store(suffix), count: suffix.count), start: start, end: end)
    }

    /// A change (kinds 3–7, 9): waits for its annotation, or is refused for its author, or applies.
    private mutating func change(_ target: Hash32, _ payload: UnsafeRawBufferPointer, _ stamp: StampRec,
                                 _ body: (inout FastReplay, Int32) -> Void) {
        guard let n = annotationIndex[target] else { wait(for: target, stamp, payload); return }
        let a = annotations[Int(n)]
        if a.erased { rejected[stamp.id] = "annotation \(target.short()) was erased"; return }
        let changer = who(stamp.author)
        var allowed = who(a.created.author) == changer
        if !allowed {
            arena.withUnsafeBytes { raw in
                Self.forEachID(UnsafeRawBufferPointer(rebasing: raw[a.editors.start..<(a.editors.start + a.editors.count)])) {
                    if who($0) == changer { allowed = true }
                }
            }
        }
        guard allowed else {
            rejected[stamp.id] = "its author \(changer.short()) may not change annotation \(target.short()) (only its author \(who(a.created.author).short()) and the editors it names may)"
            return
        }
        body(&self, n)
        if a.modified < stamp { annotations[Int(n)].modified = stamp }
    }

    private mutating func write(_ n: Int32, _ reg: UInt8, _ stamp: StampRec, a: Int, b: Int, pred: UnsafeRawBufferPointer?) {
        if let pred { Self.forEachID(pred) { replaced.insert(RegKey(ann: n, reg: reg, id: $0)) } }
        let head: Int32
        switch reg {
        case 0: head = annotations[Int(n)].heads.0
        case 1: head = annotations[Int(n)].heads.1
        case 2: head = annotations[Int(n)].heads.2
        default: head = annotations[Int(n)].heads.3
        }
        writes.append(Write(stamp: stamp, a: a, b: b, next: head))
        let i = Int32(writes.count - 1)
        switch reg {
        case 0: annotations[Int(n)].heads.0 = i
        case 1: annotations[Int(n)].heads.1 = i
        case 2: annotations[Int(n)].heads.2 = i
        default: annotations[Int(n)].heads.3 = i
        }
    }

    private mutating func addTag(_ n: Int32, _ tag: Int32, _ event: Hash32) {
        tagAdds.append(TagAdd(tag: tag, event: event, next: annotations[Int(n)].tags))
        annotations[Int(n)].tags = Int32(tagAdds.count - 1)
    }

    private mutating func wait(for target: Hash32, _ stamp: StampRec, _ payload: UnsafeRawBufferPointer) {
        // The payload is kept whole (with the stamp) to be applied when the target arrives.
        var bytes = [UInt8](repeating: 0, count: 0)
        bytes.reserveCapacity(payload.count + 88)
        withUnsafeBytes(of: stamp.lamport.bigEndian) { bytes.append(contentsOf: $0) }
        stamp.author.appendBytes(to: &bytes)
        withUnsafeBytes(of: stamp.time.bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: payload)
        waiting[target, default: []].append(Pending(id: stamp.id, bytes: bytes))
    }

    private mutating func wake(_ target: Hash32) {
        guard let list = waiting.removeValue(forKey: target) else { return }
        for p in list {
            p.bytes.withUnsafeBytes { raw in
                var r = RawReader(raw)
                guard let lamport = r.u64(), let author = r.id(), let time = r.u64(), let payload = r.raw(raw.count - 48) else { return }
                let stamp = StampRec(lamport: lamport, author: author, id: p.id, time: Int64(bitPattern: time))
                if !apply(payload: payload, stamp: stamp) { rejected[p.id] = "payload does not decode" }
            }
        }
    }

    // MARK: Helpers

    /// Copies `bytes` to the arena; returns where they start.
    private mutating func store(_ bytes: UnsafeRawBufferPointer) -> Int {
        let start = arena.count
        arena.append(contentsOf: bytes)
        return start
    }

    private func string(_ ref: Ref) -> String {
        arena.withUnsafeBytes { String(decoding: UnsafeRawBufferPointer(rebasing: $0[ref.start..<(ref.start + ref.count)]), as: UTF8.self) }
    }

    private func bytes(_ ref: Ref) -> ArraySlice<UInt8> { arena[ref.start..<(ref.start + ref.count)] }

    /// A tag's number: tags are the same when their bytes are (FNV-1a hash, then compared).
    private mutating func intern(_ tag: UnsafeRawBufferPointer) -> Int32 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in tag { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        while true {
            guard let i = tagIndex[h] else {
                tagRefs.append(Ref(start: store(tag), count: tag.count))
                tagIndex[h] = Int32(tagRefs.count - 1)
                return Int32(tagRefs.count - 1)
            }
            if bytes(tagRefs[Int(i)]).elementsEqual(tag) { return i }
            h &+= 1  // another tag with the same hash: probe on
        }
    }

    static func forEachID(_ raw: UnsafeRawBufferPointer, _ body: (Hash32) -> Void) {
        var i = 0
        while i + 32 <= raw.count {
            body(Hash32(UnsafeRawBufferPointer(rebasing: raw[i..<(i + 32)])))
            i += 32
        }
    }

    static func codePoints(_ utf8: UnsafeRawBufferPointer) -> Int {
        var n = 0
        for b in utf8 where b & 0xC0 != 0x80 { n += 1 }
        return n
    }
}

extension FastReplay {
    // MARK: Reading the state

    /// A register's writes: the live ones (greatest stamp first), and the winner.
    private func register(_ head: Int32, _ n: Int32, _ reg: UInt8) -> (winner: Write?, live: [Write]) {
        var live: [Write] = []
        var greatest: Write?
        var i = head
        while i >= 0 {
            let w = writes[Int(i)]
            if greatest.map({ $0.stamp < w.stamp }) ?? true { greatest = w }
            if !replaced.contains(RegKey(ann: n, reg: reg, id: w.stamp.id)) { live.append(w) }
            i = w.next
        }
        live.sort { $1.stamp < $0.stamp }
        return (live.first ?? greatest, live)
    }

    private func selectorValue(_ s: SelectorRec) -> TextSelector {
        TextSelector(exact: string(s.exact), prefix: string(s.prefix), suffix: string(s.suffix), start: s.start, end: s.end)
    }

    /// Buffers reused from one annotation to the next while a snapshot is written.
    struct Scratch {
        var tags: [Int32] = []
        var replies: [StampRec] = []
    }

    /// A register's winner and its number of live writes, without building a list.
    private func winner(_ head: Int32, _ n: Int32, _ reg: UInt8) -> (winner: Int32, live: Int) {
        var best: Int32 = -1, bestLive: Int32 = -1, live = 0
        var i = head
        while i >= 0 {
            let w = writes[Int(i)]
            if best < 0 || writes[Int(best)].stamp < w.stamp { best = i }
            if !replaced.contains(RegKey(ann: n, reg: reg, id: w.stamp.id)) {
                live += 1
                if bestLive < 0 || writes[Int(bestLive)].stamp < w.stamp { bestLive = i }
            }
            i = w.next
        }
        return (bestLive >= 0 ? bestLive : best, live)
    }

    /// Writes annotation `n`'s object straight from the arena: the fields of
    /// `SnapshotWriter.annotation`, in the same order, with no `String` unless it has conflicts.
    private func appendJSON(_ n: Int32, into o: inout JSONBytes, _ arena: UnsafeRawBufferPointer, _ scratch: inout Scratch) {
        let a = annotations[Int(n)]
        if a.erased, let x = erasures.annotations[a.created.id] {
            o.bytes.append(contentsOf: SnapshotWriter.erased(view(n), x).bytes)
            return
        }
        func bytes(_ r: Ref) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: arena[r.start..<(r.start + r.count)]) }
        func text(_ i: Int32) -> UnsafeRawBufferPointer { let x = writes[Int(i)]; return bytes(Ref(start: x.a, count: x.b)) }
        o.raw("{\"article\":"); o.hex(a.article)
        o.raw(",\"author\":"); o.hex(who(a.created.author))
        let body = winner(a.heads.0, n, 0)
        o.raw(",\"body\":"); o.string(bytes: text(body.winner))
        if body.live > 1 {
            o.raw(",\"bodyConflicts\":[")
            for (i, v) in register(a.heads.0, n, 0).live.dropFirst().enumerated() {
                if i > 0 { o.comma() }
                o.raw("{\"author\":"); o.hex(who(v.stamp.author)); o.raw(",\"body\":"); o.string(bytes: bytes(Ref(start: v.a, count: v.b)))
                o.raw(",\"event\":"); o.hex(v.stamp.id); o.raw("}")
            }
            o.raw("]")
        }
        o.raw(",\"created\":"); o.int(a.created.time)
        o.raw(",\"deleted\":"); o.raw(writes[Int(winner(a.heads.2, n, 2).winner)].a == 1 ? "true" : "false")
        if who(a.created.author) != a.created.author { o.raw(",\"device\":"); o.hex(a.created.author) }
        o.raw(",\"editors\":["); o.hexList(packed: bytes(a.editors)); o.raw("]")
        o.raw(",\"id\":"); o.hex(a.created.id)
        o.raw(",\"lamport\":"); o.int(Int64(a.created.lamport))
        o.raw(",\"modified\":"); o.int(a.modified.time)
        let motivation = winner(a.heads.1, n, 1)
        o.raw(",\"motivation\":"); o.string(bytes: text(motivation.winner))
        if motivation.live > 1 {
            o.raw(",\"motivationConflicts\":[")
            for (i, v) in register(a.heads.1, n, 1).live.dropFirst().enumerated() {
                if i > 0 { o.comma() }
                o.raw("{\"author\":"); o.hex(who(v.stamp.author)); o.raw(",\"event\":"); o.hex(v.stamp.id)
                o.raw(",\"motivation\":"); o.string(bytes: bytes(Ref(start: v.a, count: v.b))); o.raw("}")
            }
            o.raw("]")
        }
        func selector(_ s: SelectorRec) {
            o.raw("{\"end\":"); o.int(Int64(s.end))
            o.raw(",\"exact\":"); o.string(bytes: bytes(s.exact))
            o.raw(",\"prefix\":"); o.string(bytes: bytes(s.prefix))
            o.raw(",\"start\":"); o.int(Int64(s.start))
            o.raw(",\"suffix\":"); o.string(bytes: bytes(s.suffix))
            o.raw("}")
        }
        if a.parent < 0, a.heads.3 >= 0 {
            o.raw(",\"reanchored\":"); selector(selectors[writes[Int(winner(a.heads.3, n, 3).winner)].a])
        }
        o.raw(",\"replies\":[")
        if a.replies >= 0 {
            scratch.replies.removeAll(keepingCapacity: true)
            var r = a.replies
            while r >= 0 { scratch.replies.append(annotations[Int(links[Int(r)].item)].created); r = links[Int(r)].next }
            scratch.replies.sort(by: <)
            for (i, reply) in scratch.replies.enumerated() {
                if i > 0 { o.comma() }
                o.hex(reply.id)
            }
        }
        o.raw("]")
        if a.parent >= 0 {
            o.raw(",\"replyTo\":"); o.hex(annotations[Int(a.parent)].created.id)
        } else {
            o.raw(",\"selector\":"); selector(selectors[Int(a.selector)])
        }
        o.raw(",\"tags\":[")
        scratch.tags.removeAll(keepingCapacity: true)
        var t = a.tags
        while t >= 0 {
            let add = tagAdds[Int(t)]
            if !scratch.tags.contains(add.tag), !tagRemoved.contains(TagKey(ann: n, tag: add.tag, event: add.event)) { scratch.tags.append(add.tag) }
            t = add.next
        }
        scratch.tags.sort { bytes(tagRefs[Int($0)]).lexicographicallyPrecedes(bytes(tagRefs[Int($1)])) }
        for (i, tag) in scratch.tags.enumerated() {
            if i > 0 { o.comma() }
            o.string(bytes: bytes(tagRefs[Int(tag)]))
        }
        o.raw("]}")
    }

    /// Annotation `n` as a reader sees it.
    func view(_ n: Int32) -> AnnotationView {
        let a = annotations[Int(n)]
        let body = register(a.heads.0, n, 0), motivation = register(a.heads.1, n, 1)
        let deleted = register(a.heads.2, n, 2), reanchor = register(a.heads.3, n, 3)
        func versions(_ list: [Write]) -> [RegisterVersion<String>] {
            list.map { RegisterVersion(value: string(Ref(start: $0.a, count: $0.b)), stamp: stamp($0.stamp)) }
        }
        var present: Set<Int32> = []
        var t = a.tags
        while t >= 0 {
            let add = tagAdds[Int(t)]
            if !tagRemoved.contains(TagKey(ann: n, tag: add.tag, event: add.event)) { present.insert(add.tag) }
            t = add.next
        }
        let tags = present.map { (bytes(tagRefs[Int($0)]), $0) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }.map { string(tagRefs[Int($0.1)]) }
        var replies: [StampRec] = []
        var r = a.replies
        while r >= 0 { replies.append(annotations[Int(links[Int(r)].item)].created); r = links[Int(r)].next }
        replies.sort(by: <)
        var editors: [PublicKey] = []
        arena.withUnsafeBytes { raw in
            Self.forEachID(UnsafeRawBufferPointer(rebasing: raw[a.editors.start..<(a.editors.start + a.editors.count)])) { editors.append(PublicKey($0)) }
        }
        let target: AnnotationTarget = a.parent >= 0 ? .reply(to: annotations[Int(a.parent)].created.id)
            : a.erased ? .text(.erased) : .text(selectorValue(selectors[Int(a.selector)]))
        return AnnotationView(
            id: a.created.id, article: a.article, created: stamp(a.created), modified: stamp(a.modified), target: target, editors: editors,
            motivation: motivation.winner.map { string(Ref(start: $0.a, count: $0.b)) } ?? "", motivationLive: versions(motivation.live),
            body: body.winner.map { string(Ref(start: $0.a, count: $0.b)) } ?? "", bodyLive: versions(body.live),
            isDeleted: deleted.winner?.a == 1, tags: tags, replies: replies.map(\.id),
            reanchored: reanchor.winner.map { selectorValue(selectors[$0.a]) },
            earlierReanchors: allWrites(a.heads.3).filter { $0.stamp.id != reanchor.winner?.stamp.id }.map { selectorValue(selectors[$0.a]) },
            erasure: a.erased ? erasures.annotations[a.created.id] : nil)
    }

    /// Every write of a register, greatest stamp first.
    private func allWrites(_ head: Int32) -> [Write] {
        var out: [Write] = []
        var i = head
        while i >= 0 { out.append(writes[Int(i)]); i = writes[Int(i)].next }
        return out.sorted { $1.stamp < $0.stamp }
    }

    /// The article's current text: the winning effective revision's, nil when not revised.
    private func currentRevision(_ a: ArticleRec) -> Ref? {
        var register = Register<Int>()
        var any = false
        for (i, r) in a.revisions.enumerated() where a.adders.contains(who(r.stamp.author)) {
            register.write(i, stamp: stamp(r.stamp), pred: r.pred)
            any = true
        }
        return any ? a.revisions[register.value].text : nil
    }

    func view(article a: ArticleRec) -> ArticleView {
        let revised = currentRevision(a)
        let length = revised.map { ref in arena.withUnsafeBytes { Self.codePoints(UnsafeRawBufferPointer(rebasing: $0[ref.start..<(ref.start + ref.count)])) } }
        return ArticleView(id: a.id, title: string(a.title), source: string(a.source), added: stamp(a.first),
                           length: length ?? a.originalLength, revisedText: revised.map { SHA256.hash(Array(bytes($0))) })
    }

    /// Writes the snapshot (MERGE.md §11) of the state: the same bytes as `Snapshot`.
    public func writeSnapshot(to writer: SnapshotWriter, heads: [EventID], eventCount: Int, article: Hash32? = nil) throws -> Hash32 {
        let order = (0..<Int32(annotations.count))
            .filter { article == nil || annotations[Int($0)].article == article }
            .sorted { annotations[Int($0)].created < annotations[Int($1)].created }
        // Blocks of annotations are written on every core, then handed to the writer in order:
        // the JSON of one annotation depends on the state alone, and only a few blocks are in
        // memory at a time.
        let block = 2048
        var start = 0
        while start < order.count {
            let end = min(order.count, start + block * Parallel.cores)
            let ranges = stride(from: start, to: end, by: block).map { $0..<min(end, $0 + block) }
            let parts = Parallel.map(ranges, minimumPerThread: 1) { range in
                var o = JSONBytes(capacity: range.count * 800)
                var scratch = Scratch()
                arena.withUnsafeBytes { arena in
                    for i in range {
                        if i > range.lowerBound { o.comma() }
                        appendJSON(order[i], into: &o, arena, &scratch)
                    }
                }
                return o
            }
            for (part, range) in zip(parts, ranges) { try writer.annotations(joined: part, count: range.count) }
            start = end
        }
        for a in articles.sorted(by: { $0.id < $1.id }) where article == nil || a.id == article {
            try writer.article(view(article: a))
        }
        return try writer.finish(events: eventCount, heads: heads, devices: devices, erasures: erasures.eventCount)
    }

    /// The snapshot hash, without keeping the bytes.
    public func snapshotHash(heads: [EventID], eventCount: Int, article: Hash32? = nil) throws -> Hash32 {
        try writeSnapshot(to: SnapshotWriter { _ in }, heads: heads, eventCount: eventCount, article: article)
    }

    /// Events with no effect, and why (as `LedgerState.ineffective`).
    public var ineffective: [Hash32: String] {
        var out = rejected
        for (id, why) in devices.ineffective { out[id] = why }
        for (id, why) in erasures.ineffective { out[id] = why }
        for a in articles {
            for r in a.revisions where !a.adders.contains(who(r.stamp.author)) {
                out[r.stamp.id] = "only someone who added article \(a.id.short()) may revise it"
            }
        }
        for (target, list) in waiting {
            for p in list { out[p.id] = "its target \(target.short()) is not in the ledger" }
        }
        return out
    }

    /// The article ids, for resolving a prefix.
    public var articleIDs: [Hash32] { articles.map(\.id) }

    /// Live annotations of `article` (all when nil), in the total order, for W3C export.
    public func forEachAnnotation(article: Hash32? = nil, _ body: (AnnotationView) throws -> Void) rethrows {
        let order = (0..<Int32(annotations.count))
            .filter { article == nil || annotations[Int($0)].article == article }
            .sorted { annotations[Int($0)].created < annotations[Int($1)].created }
        for n in order { try body(view(n)) }
    }
}
