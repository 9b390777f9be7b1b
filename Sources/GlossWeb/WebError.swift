/// A request the web API refuses: the HTTP status and a sentence for the person, sent as
/// `{"error": "…"}`. Nothing is written when one is thrown.
public struct WebError: Error, Sendable, Equatable {
    public let status: Int
    public let message: String
    public init(_ status: Int, _ message: String) { self.status = status; self.message = message }

    static func badRequest(_ m: String) -> WebError { WebError(400, m) }
    static func notFound(_ m: String) -> WebError { WebError(404, m) }
    static func forbidden(_ m: String) -> WebError { WebError(403, m) }
    static func conflict(_ m: String) -> WebError { WebError(409, m) }
    static func unprocessable(_ m: String) -> WebError { WebError(422, m) }
}
