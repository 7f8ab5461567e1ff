import HTTPServer

/// Every error a request can reach in the service, each with its HTTP status and a stable code.
///
/// Handlers throw these; the HTTP server renders them as `{"error":{"code","message"}}`.
public enum ServiceError: Error, HTTPResponseError, CustomStringConvertible {
    case badRequest(String)
    case unauthorized
    case modelNotFound(String)
    /// A route that exists but is switched off by configuration (e.g. admin without a token).
    case routeDisabled(String)
    case lengthRequired
    case payloadTooLarge(String)
    case unsupportedMediaType(String)
    case unprocessableImage(String)
    case queueFull(retryAfterSeconds: Int)
    case notReady(String)
    case deadlineExceeded(String)
    case inferenceFailed(String)

    public var status: Int {
        switch self {
        case .badRequest: 400
        case .unauthorized: 401
        case .modelNotFound, .routeDisabled: 404
        case .lengthRequired: 411
        case .payloadTooLarge: 413
        case .unsupportedMediaType: 415
        case .unprocessableImage: 422
        case .queueFull, .notReady: 503
        case .deadlineExceeded: 504
        case .inferenceFailed: 500
        }
    }

    public var code: String {
        switch self {
        case .badRequest: "bad_request"
        case .unauthorized: "unauthorized"
        case .modelNotFound: "model_not_found"
        case .routeDisabled: "not_found"
        case .lengthRequired: "length_required"
        case .payloadTooLarge: "payload_too_large"
        case .unsupportedMediaType: "unsupported_media_type"
        case .unprocessableImage: "unprocessable_image"
        case .queueFull: "queue_full"
        case .notReady: "not_ready"
        case .deadlineExceeded: "deadline_exceeded"
        case .inferenceFailed: "inference_failed"
        }
    }

    public var message: String {
        switch self {
        case .badRequest(let m), .routeDisabled(let m), .payloadTooLarge(let m), .unsupportedMediaType(let m),
             .unprocessableImage(let m), .notReady(let m), .deadlineExceeded(let m), .inferenceFailed(let m):
            m
        case .unauthorized: "missing or wrong bearer token (send 'Authorization: Bearer <token>')"
        case .modelNotFound(let name): "no model named '\(name)' is loaded (GET /v1/models lists them)"
        case .lengthRequired: "a request body with Content-Length or chunked encoding is required"
        case .queueFull(let s): "the inference queue is full; retry in \(s) s"
        }
    }

    public var extraHeaders: [(String, String)] {
        switch self {
        case .queueFull(let s): [("Retry-After", String(s))]
        case .notReady: [("Retry-After", "1")]
        case .unauthorized: [("WWW-Authenticate", "Bearer")]
        default: []
        }
    }

    /// The label used for `hkt_rejections_total{reason}`.
    var rejectionReason: String { code }

    public var description: String { "\(status) \(code): \(message)" }
}
