/// The payload kinds of Protocol/EVENTS.md §Payloads, by their u16 number on the wire.
public enum PayloadKind: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    case articleAdded = 1
    case annotationCreated = 2
    case bodyEdited = 3
    case tagsChanged = 4
    case annotationDeleted = 5
    case annotationRestored = 6
    case motivationChanged = 7
    case articleRevised = 8
    case annotationReanchored = 9
    case deviceLinked = 10
    case deviceRevoked = 11
    case annotationErased = 12

    /// The name `gloss log` and the vectors use.
    public var description: String {
        switch self {
        case .articleAdded: "article.added"
        case .annotationCreated: "annotation.created"
        case .bodyEdited: "body.edited"
        case .tagsChanged: "tags.changed"
        case .annotationDeleted: "annotation.deleted"
        case .annotationRestored: "annotation.restored"
        case .motivationChanged: "motivation.changed"
        case .articleRevised: "article.revised"
        case .annotationReanchored: "annotation.reanchored"
        case .deviceLinked: "device.linked"
        case .deviceRevoked: "device.revoked"
        case .annotationErased: "annotation.erased"
        }
    }

    /// Whether `raw` is `device.linked` or `device.revoked`: the events the device map is built
    /// from (MERGE.md §18), whose voiding that map decides itself.
    public static func isDevice(_ raw: UInt16) -> Bool {
        raw == deviceLinked.rawValue || raw == deviceRevoked.rawValue
    }

    /// Whether a revocation's cut leaves events of kind `raw` alone (MERGE.md §18.1, §19.1): the
    /// device events (the device map decides their voiding itself) and erasures (never void: a
    /// ledger cannot take back the bytes it removed).
    public static func isExemptFromVoiding(_ raw: UInt16) -> Bool {
        isDevice(raw) || raw == annotationErased.rawValue
    }

    /// `description` for a known kind, `kind.N` for one from a newer version.
    public static func name(_ raw: UInt16) -> String { PayloadKind(rawValue: raw)?.description ?? "kind.\(raw)" }
}
