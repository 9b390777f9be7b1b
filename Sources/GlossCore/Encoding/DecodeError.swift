/// Why bytes were refused as an event, a payload or a frame. `code` is stable; `message` says where.
public struct DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The closed set of reasons, named as in Protocol/EVENTS.md.
    public enum Code: String, Sendable, Equatable {
        case truncated, trailingBytes = "trailing-bytes", oversize, invalidUTF8 = "invalid-utf8"
        case unsupportedVersion = "unsupported-version", nonCanonical = "non-canonical"
        case badPayloadHash = "bad-payload-hash", badID = "bad-id"
        case invalidField = "invalid-field"
    }
    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }
    public var description: String { "\(code.rawValue): \(message)" }
}
