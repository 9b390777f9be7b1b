import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small blocking HTTP/1.1 client on one kept-alive TCP connection to 127.0.0.1, for the
/// web benchmark: requests one at a time, answers read by Content-Length.
final class HTTPClient {
    private let fd: Int32
    let port: Int
    var cookie = ""
    var origin: String { "http://127.0.0.1:\(port)" }

    init(port: Int) throws {
        self.port = port
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard r == 0 else { throw HTTPFailure("connect to 127.0.0.1:\(port) failed: errno \(errno)") }
    }
    deinit { close(fd) }

    struct Answer { let status: Int; let headers: [String: String]; let body: [UInt8] }
    struct HTTPFailure: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    func request(_ method: String, _ path: String, json: String? = nil) throws -> Answer {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        if !cookie.isEmpty { head += "Cookie: \(cookie)\r\n" }
        let body = Array((json ?? "").utf8)
        if json != nil { head += "Origin: \(origin)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + body
        try bytes.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw HTTPFailure("send failed: errno \(errno)") }
                sent += n
            }
        }
        return try readAnswer()
    }

    private var buffer: [UInt8] = []

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65536, 0) }
        guard n > 0 else { throw HTTPFailure("the server closed the connection") }
        buffer += chunk[0..<n]
    }

    private func readAnswer() throws -> Answer {
        let separator: [UInt8] = [13, 10, 13, 10]
        var end: Int?
        while end == nil {
            if buffer.count >= 4 {
                for i in 0...(buffer.count - 4) where buffer[i..<(i + 4)].elementsEqual(separator) { end = i; break }
            }
            if end == nil { try fill() }
        }
        let head = String(decoding: buffer[0..<end!], as: UTF8.self)
        buffer.removeFirst(end! + 4)
        var lines = head.components(separatedBy: "\r\n")
        let status = Int(lines.removeFirst().split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: String] = [:]
        for l in lines {
            guard let c = l.firstIndex(of: ":") else { continue }
            headers[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count < length { try fill() }
        let body = Array(buffer[0..<length])
        buffer.removeFirst(length)
        return Answer(status: status, headers: headers, body: body)
    }

    /// Logs in with the secret and keeps the cookie.
    func login(secret: String) throws {
        let a = try request("GET", "/?key=\(secret)")
        guard a.status == 303, let c = a.headers["set-cookie"]?.split(separator: ";").first else { throw HTTPFailure("login: \(a.status)") }
        cookie = String(c)
    }
}
