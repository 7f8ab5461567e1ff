import Foundation
import HTTPServer
import Imaging
import Logging
import Testing
@testable import Service

/// Calls a route the way the server does: match, fill path parameters, render thrown errors.
func call(
    _ router: Router, _ method: String, _ path: String, query: [String: String] = [:],
    headers: [(String, String)] = [], body: [UInt8] = []
) async -> HTTPResponse {
    var request = HTTPRequest(method: method, path: path, query: query, headers: HTTPHeaders(headers), body: body,
                              requestID: "test")
    switch router.match(request) {
    case .found(let handler, _, let parameters, _):
        request.pathParameters = parameters
        do {
            return try await handler(request)
        } catch let error as any HTTPResponseError {
            return .error(error.status, code: error.code, message: error.message)
        } catch {
            return .error(500, code: "internal", message: "\(error)")
        }
    case .notFound: return .error(404, code: "not_found", message: path)
    case .methodNotAllowed: return .error(405, code: "method_not_allowed", message: path)
    }
}

func jsonObject(_ response: HTTPResponse) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

@Suite struct RoutesWithoutModelTests {
    let service: InferenceService
    let router: Router

    init() throws {
        var config = ServiceConfiguration()
        config.allowNoModel = true
        config.weights = []
        service = try InferenceService(configuration: config, logger: Logger(label: "test"))
        router = service.makeRouter()
    }

    @Test func healthIsUpButNotReady() async throws {
        #expect(await call(router, "GET", "/healthz").status == 200)
        let ready = await call(router, "GET", "/readyz")
        #expect(ready.status == 503)
        #expect(try jsonObject(ready)["error"] != nil)
        #expect(await call(router, "GET", "/v2/health/ready").status == 503)
        #expect(await call(router, "GET", "/v2/health/live").status == 200)
    }

    @Test func predictWithoutModelIs503() async throws {
        let r = await call(router, "POST", "/v1/predict", body: [1, 2, 3])
        #expect(r.status == 503)
        let error = try #require(try jsonObject(r)["error"] as? [String: Any])
        #expect(error["code"] as? String == "not_ready")
    }

    @Test func metricsAreExposed() async throws {
        let r = await call(router, "GET", "/metrics")
        #expect(r.status == 200)
        #expect(r.headers["Content-Type"]?.hasPrefix("text/plain") == true)
        #expect(String(decoding: r.body, as: UTF8.self).contains("process_resident_memory_bytes"))
    }

    @Test func unknownModelIs404() async {
        #expect(await call(router, "GET", "/v1/models/none").status == 404)
        #expect(await call(router, "GET", "/v2/models/none").status == 404)
    }
}

/// End to end through the routes with the shipped default weights.
@Suite struct RoutesWithModelTests {
    static let weights = repositoryRoot.appendingPathComponent("weights/hkt-fabric.safetensors")
    let router: Router
    let service: InferenceService

    init() throws {
        var config = ServiceConfiguration()
        config.weights = [Self.weights.path]
        service = try InferenceService(configuration: config, logger: Logger(label: "test"))
        router = service.makeRouter()
    }

    func png(_ size: Int = 300) throws -> [UInt8] {
        try PNGEncoder.encode(LoadedModel.referenceImage(size: size))
    }

    @Test func predictAnswersTheContract() async throws {
        let r = await call(router, "POST", "/v1/predict", query: ["heatmap": "png"],
                           headers: [("Content-Type", "image/png")], body: try png())
        #expect(r.status == 200)
        let json = try jsonObject(r)
        #expect(json["model"] as? String == "hkt-fabric")
        #expect((json["score"] as? Double)?.isFinite == true)
        #expect(json["anomalous"] is Bool)
        #expect((json["image"] as? [String: Int]) == ["width": 300, "height": 300])
        let timing = try #require(json["timing_ms"] as? [String: Double])
        #expect(Set(timing.keys) == ["decode", "queue", "inference", "postprocess", "total"])
        let heatmap = try #require(Data(base64Encoded: json["heatmap_png"] as? String ?? ""))
        #expect(ImageFormat.sniff(Array(heatmap)) == .png)
        #expect(r.headers["Server-Timing"]?.contains("inference;dur=") == true)
    }

    @Test func thresholdOverrideDecides() async throws {
        let low = try jsonObject(await call(router, "POST", "/v1/predict", query: ["threshold": "-1"], body: try png()))
        #expect(low["anomalous"] as? Bool == true)
        let high = try jsonObject(await call(router, "POST", "/v1/predict", query: ["threshold": "1e9"], body: try png()))
        #expect(high["anomalous"] as? Bool == false)
        #expect(await call(router, "POST", "/v1/predict", query: ["threshold": "nan"], body: try png()).status == 400)
    }

    @Test func acceptPNGReturnsTheHeatmap() async throws {
        let r = await call(router, "POST", "/v1/models/hkt-fabric/predict", headers: [("Accept", "image/png")],
                           body: try png())
        #expect(r.status == 200)
        #expect(r.headers["Content-Type"] == "image/png")
        #expect(Float(r.headers["X-Anomaly-Score"] ?? "") != nil)
        #expect(r.headers["X-Anomalous"] != nil)
        #expect(ImageFormat.sniff(r.body) == .png)
    }

    @Test func badImagesGetTheirStatus() async throws {
        #expect(await call(router, "POST", "/v1/predict", body: Array("GIF89a......".utf8)).status == 415)
        #expect(await call(router, "POST", "/v1/predict", body: Array(try png().prefix(100))).status == 422)
        #expect(await call(router, "POST", "/v1/predict", body: []).status == 400)
        #expect(await call(router, "POST", "/v1/predict", headers: [("Content-Type", "multipart/form-data")],
                           body: [1]).status == 400)
    }

    @Test func v2InferWithFP32AndBinaryOutput() async throws {
        let meta = service.registry.all[0].metadata
        let s = meta.imageSize
        let input = Preprocess.modelInput(LoadedModel.referenceImage(size: s), size: s, mean: meta.inputMean,
                                          std: meta.inputStd)
        let header = #"{"inputs":[{"name":"input","datatype":"FP32","shape":[1,3,\#(s),\#(s)],"parameters":{"binary_data_size":\#(input.count * 4)}}],"outputs":[{"name":"anomaly_score","parameters":{"binary_data":true}}]}"#
        var body = Array(header.utf8)
        input.withUnsafeBytes { body.append(contentsOf: $0) }
        let r = await call(router, "POST", "/v2/models/hkt-fabric/infer",
                           headers: [("Inference-Header-Content-Length", String(header.utf8.count))], body: body)
        #expect(r.status == 200)
        let n = try #require(Int(r.headers["Inference-Header-Content-Length"] ?? ""))
        #expect(r.body.count == n + 4)
        let score = r.body[n...].withUnsafeBytes { $0.loadUnaligned(as: Float.self) }
        let direct = try service.registry.all[0].engine.predict(input).score
        #expect(abs(score - direct) <= 1e-6 * max(1, abs(direct)))
    }

    @Test func unauthorizedWithoutToken() async throws {
        var config = ServiceConfiguration()
        config.weights = [Self.weights.path]
        config.apiToken = "s3cret"
        let guarded = try InferenceService(configuration: config, logger: Logger(label: "test")).makeRouter()
        #expect(await call(guarded, "POST", "/v1/predict", body: try png()).status == 401)
        #expect(await call(guarded, "POST", "/v1/predict", headers: [("Authorization", "Bearer s3cret")],
                           body: try png()).status == 200)
        #expect(await call(guarded, "GET", "/healthz").status == 200)
    }
}

@Suite struct AdminRouteTests {
    @Test func reloadWithoutAdminTokenIsDisabled() async throws {
        var config = ServiceConfiguration()
        config.allowNoModel = true
        config.weights = []
        let router = try InferenceService(configuration: config, logger: Logger(label: "test")).makeRouter()
        let r = await call(router, "POST", "/admin/reload")
        #expect(r.status == 404)
        let error = try #require(try jsonObject(r)["error"] as? [String: Any])
        #expect(error["code"] as? String == "not_found")
        #expect((error["message"] as? String)?.contains("--admin-token") == true)
    }
}
