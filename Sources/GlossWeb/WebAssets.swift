import HTTPTypes
import Hummingbird
import NIOCore

/// The app's files, built into the binary (`Assets/`, embedded by SwiftPM): nothing is read
/// from disk and nothing is fetched from the network; a path names one of these or nothing.
enum WebAssets {
    struct Asset: Sendable {
        let type: String
        let bytes: [UInt8]
    }

    static let index = Asset(type: "text/html; charset=utf-8", bytes: PackageResources.index_html)

    static let all: [String: Asset] = [
        "app.css": Asset(type: "text/css; charset=utf-8", bytes: PackageResources.app_css),
        "main.js": js(PackageResources.main_js), "api.js": js(PackageResources.api_js), "dom.js": js(PackageResources.dom_js),
        "state.js": js(PackageResources.state_js), "selection.js": js(PackageResources.selection_js),
        "reader.js": js(PackageResources.reader_js), "thread.js": js(PackageResources.thread_js),
        "popover.js": js(PackageResources.popover_js), "library.js": js(PackageResources.library_js),
        "search.js": js(PackageResources.search_js), "live.js": js(PackageResources.live_js), "sync.js": js(PackageResources.sync_js),
    ]

    static func js(_ bytes: [UInt8]) -> Asset { Asset(type: "text/javascript; charset=utf-8", bytes: bytes) }

    /// The asset, or (`head`) its headers alone, with the length it would have.
    static func response(_ a: Asset, head: Bool = false) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = a.type
        headers[.cacheControl] = "no-cache"
        if head {
            headers[.contentLength] = String(a.bytes.count)
            return Response(status: .ok, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: a.bytes)))
    }
}
