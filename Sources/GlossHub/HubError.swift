/// What went wrong with the hub's database, sorted by what the caller should do about it.
public struct HubError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        /// The database cannot be reached for now (down, restarting, too slow): try again.
        case unavailable
        /// The database refused a change as the log's rules forbid it (append-only triggers).
        case appendOnly
        /// The schema is missing, older or newer than this gloss, or the hub is another's.
        case schema
        /// What a peer or a file sent is wrong (a bad event, a notice that does not verify).
        case refused
        /// Another writer got there first (a serialization failure, a deadlock, a unique key
        /// taken, a lock timeout): the same work done again decides afresh.
        case conflict
        /// Anything else the database said.
        case database
    }
    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }
    public var description: String { message }
}
