import GlossCore

/// The binary form of a `LedgerState`, stored in checkpoints. Local to one ledger (never sent
/// to a peer), versioned by `format`: a checkpoint of another format is ignored and rebuilt.
/// Maps are written sorted, so one state has one encoding.
public enum StateCodec {
    public static let format = 3

    public static func encode(_ s: LedgerState) -> [UInt8] {
        var w = ByteWriter(capacity: 1 << 16)
        w.u64(UInt64(s.applied)); w.u64(UInt64(s.unknownKinds))
        w.u32(UInt32(s.articles.count))
        for a in s.articles.values.sorted(by: { $0.id < $1.id }) {
            w.raw(a.id.bytes); w.string(a.title); w.string(a.source); w.string(a.originalText); stamp(a.added, &w)
            w.u32(UInt32(a.adders.count)); for k in a.adders.sorted() { w.raw(k.raw.bytes) }
            let writes = a.revisionWrites.values.sorted { $0.stamp < $1.stamp }
            w.u32(UInt32(writes.count))
            for r in writes { stamp(r.stamp, &w); w.string(r.text); ids(Set(r.pred), &w) }
        }
        w.u32(UInt32(s.annotations.count))
        for a in s.annotations.values.sorted(by: { $0.id < $1.id }) { annotation(a, &w) }
        w.u32(UInt32(s.rejected.count))
        for (id, why) in s.rejected.sorted(by: { $0.key < $1.key }) { w.raw(id.bytes); w.string(why) }
        let waiting = s.waiting.flatMap { (target, list) in list.map { (target, $0) } }.sorted { $0.1.stamp < $1.1.stamp }
        w.u32(UInt32(waiting.count))
        for (target, item) in waiting {
            w.raw(target.bytes); stamp(item.stamp, &w)
            let bytes = (try? item.payload.encoded()) ?? []
            w.u32(UInt32(bytes.count)); w.raw(bytes)
        }
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> LedgerState {
        var r = ByteReader(bytes)
        var s = LedgerState()
        s.applied = Int(try r.u64("applied")); s.unknownKinds = Int(try r.u64("unknown"))
        for _ in 0..<(try r.u32("articles")) {
            let id = try r.id("article id")
            var a = ArticleState(id: id, title: try r.string("title", max: .max), source: try r.string("source", max: .max),
                                 text: try r.string("text", max: .max), added: try stamp(&r))
            a.adders = []
            for _ in 0..<(try r.u32("adders")) { a.adders.insert(PublicKey(try r.id("adder"))) }
            for _ in 0..<(try r.u32("revisions")) {
                let st = try stamp(&r)
                a.revisionWrites[st.id] = .init(stamp: st, text: try r.string("revision", max: .max), pred: try ids(&r).sorted())
            }
            s.articles[id] = a
        }
        for _ in 0..<(try r.u32("annotations")) {
            let a = try annotation(&r)
            s.annotations[a.id] = a
        }
        for _ in 0..<(try r.u32("rejected")) { s.rejected[try r.id("rejected id")] = try r.string("reason", max: .max) }
        for _ in 0..<(try r.u32("waiting")) {
            let target = try r.id("target"), st = try stamp(&r)
            let n = Int(try r.u32("payload length"))
            let payload = try Payload.decode(try r.raw(n, "payload"))
            s.waiting[target, default: []].append(LedgerState.Waiting(stamp: st, payload: payload))
        }
        guard r.isAtEnd else { throw DecodeError(.trailingBytes, "checkpoint state has \(r.remaining) extra bytes") }
        return s
    }

    static func stamp(_ s: Stamp, _ w: inout ByteWriter) {
        w.u64(s.lamport); w.raw(s.author.raw.bytes); w.raw(s.id.bytes); w.i64(s.time)
    }
    static func stamp(_ r: inout ByteReader) throws(DecodeError) -> Stamp {
        Stamp(lamport: try r.u64("lamport"), author: PublicKey(try r.id("author")), id: try r.id("id"), time: try r.i64("time"))
    }

    static func stamps(_ list: [Stamp], _ w: inout ByteWriter) { w.u32(UInt32(list.count)); for s in list { stamp(s, &w) } }
    static func stamps(_ r: inout ByteReader) throws(DecodeError) -> [Stamp] {
        var out: [Stamp] = []
        for _ in 0..<(try r.u32("stamps")) { out.append(try stamp(&r)) }
        return out
    }

    static func ids(_ set: Set<EventID>, _ w: inout ByteWriter) { w.u32(UInt32(set.count)); for id in set.sorted() { w.raw(id.bytes) } }
    static func ids(_ r: inout ByteReader) throws(DecodeError) -> Set<EventID> {
        var out: Set<EventID> = []
        for _ in 0..<(try r.u32("ids")) { out.insert(try r.id("id")) }
        return out
    }

    static func register<V>(_ reg: Register<V>, _ w: inout ByteWriter, _ value: (V, inout ByteWriter) -> Void) {
        w.u32(UInt32(reg.writes.count))
        for v in reg.writes.values.sorted(by: { $0.stamp < $1.stamp }) { stamp(v.stamp, &w); value(v.value, &w) }
        ids(reg.replaced, &w)
    }
    static func register<V>(_ r: inout ByteReader, _ value: (inout ByteReader) throws(DecodeError) -> V) throws(DecodeError) -> Register<V> {
        var writes: [EventID: Register<V>.Version] = [:]
        for _ in 0..<(try r.u32("writes")) {
            let st = try stamp(&r)
            writes[st.id] = Register<V>.Version(value: try value(&r), stamp: st)
        }
        return Register(writes: writes, replaced: try ids(&r))
    }

    static func annotation(_ a: AnnotationState, _ w: inout ByteWriter) {
        w.raw(a.id.bytes); w.raw(a.article.bytes)
        switch a.target {
        case .text(let t): w.u8(0); w.string(t.exact); w.string(t.prefix); w.string(t.suffix); w.u32(t.start); w.u32(t.end)
        case .reply(let p): w.u8(1); w.raw(p.bytes)
        }
        stamp(a.created, &w)
        w.u32(UInt32(a.editors.count)); for e in a.editors { w.raw(e.raw.bytes) }
        register(a.body, &w) { v, w in w.string(v) }
        register(a.motivation, &w) { v, w in w.string(v) }
        register(a.deleted, &w) { v, w in w.u8(v ? 1 : 0) }
        let adds = a.tags.additions.sorted { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) }
        w.u32(UInt32(adds.count))
        for (tag, events) in adds { w.string(tag.text); ids(events, &w) }
        let removed = a.tags.removed.sorted { $0.event != $1.event ? $0.event < $1.event : $0.tag.bytes.lexicographicallyPrecedes($1.tag.bytes) }
        w.u32(UInt32(removed.count))
        for t in removed { w.string(t.tag.text); w.raw(t.event.bytes) }
        stamps(a.replyStamps, &w); stamps(a.history, &w)
        if let re = a.reanchors {
            w.u8(1)
            register(re, &w) { v, w in w.string(v.exact); w.string(v.prefix); w.string(v.suffix); w.u32(v.start); w.u32(v.end) }
        } else {
            w.u8(0)
        }
    }

    static func annotation(_ r: inout ByteReader) throws(DecodeError) -> AnnotationState {
        let id = try r.id("annotation"), article = try r.id("article")
        let target: AnnotationTarget
        switch try r.u8("target") {
        case 0:
            target = .text(TextSelector(exact: try r.string("exact", max: .max), prefix: try r.string("prefix", max: .max),
                                        suffix: try r.string("suffix", max: .max), start: try r.u32("start"), end: try r.u32("end")))
        default: target = .reply(to: try r.id("parent"))
        }
        let created = try stamp(&r)
        var editors: [PublicKey] = []
        for _ in 0..<(try r.u32("editors")) { editors.append(PublicKey(try r.id("editor"))) }
        let body = try register(&r) { (r: inout ByteReader) throws(DecodeError) in try r.string("body", max: .max) }
        let motivation = try register(&r) { (r: inout ByteReader) throws(DecodeError) in try r.string("motivation", max: .max) }
        let deleted = try register(&r) { (r: inout ByteReader) throws(DecodeError) in try r.u8("deleted") == 1 }
        var tags = TagSet()
        for _ in 0..<(try r.u32("tags")) {
            let t = TagSet.Tag(try r.string("tag", max: .max))
            tags.additions[t] = try ids(&r)
        }
        for _ in 0..<(try r.u32("removed")) {
            let t = TagSet.Tag(try r.string("tag", max: .max))
            tags.removed.insert(TagSet.TagInstance(tag: t, event: try r.id("event")))
        }
        var a = AnnotationState(id: id, article: article, target: target, created: created, editors: editors,
                                body: body, motivation: motivation, deleted: deleted, tags: tags,
                                replyStamps: try stamps(&r), history: try stamps(&r))
        if try r.u8("reanchored") == 1 {
            a.reanchors = try register(&r) { (r: inout ByteReader) throws(DecodeError) in
                TextSelector(exact: try r.string("exact", max: .max), prefix: try r.string("prefix", max: .max),
                             suffix: try r.string("suffix", max: .max), start: try r.u32("start"), end: try r.u32("end"))
            }
        }
        return a
    }
}
