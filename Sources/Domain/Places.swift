/// A point as map apps send it: WGS 84 latitude and longitude in degrees.
public struct GeoPoint: Sendable, Equatable, Codable {
    public var lat: Double
    public var long: Double

    /// Nil unless both are finite and within range.
    public init?(lat: Double, long: Double) {
        guard lat.isFinite, long.isFinite, (-90...90).contains(lat), (-180...180).contains(long) else { return nil }
        (self.lat, self.long) = (lat, long)
    }
}

/// The areas' boundaries (`menus/areas.geojson`): which area a point lies in. A point on an edge
/// belongs to the area; a point in a hole does not; where areas overlap, the first in the file wins.
public struct AreaBoundaries: Sendable, Equatable {
    /// A ring of [longitude, latitude] positions, closed (first == last), as GeoJSON has it.
    public typealias Ring = [GeoPoint]

    public struct Shape: Sendable, Equatable {
        public var area: String
        /// Each polygon: its outer ring, then its holes.
        public var polygons: [[Ring]]
        public init(area: String, polygons: [[Ring]]) { (self.area, self.polygons) = (area, polygons) }
    }

    public var shapes: [Shape]
    public init(shapes: [Shape] = []) { self.shapes = shapes }

    public var isEmpty: Bool { shapes.isEmpty }

    public func area(containing p: GeoPoint) -> String? {
        shapes.first { shape in shape.polygons.contains { Self.polygon($0, contains: p) } }?.area
    }

    static func polygon(_ rings: [Ring], contains p: GeoPoint) -> Bool {
        guard let outer = rings.first else { return false }
        switch locate(p, in: outer) {
        case .outside: return false
        case .edge: return true
        case .inside:
            // Inside a hole is outside the polygon; on a hole's edge is still the polygon's edge.
            return !rings.dropFirst().contains { locate(p, in: $0) == .inside }
        }
    }

    enum Place { case inside, outside, edge }

    /// Ray casting along the latitude line, with points on a segment counted as on the edge.
    static func locate(_ p: GeoPoint, in ring: Ring) -> Place {
        var inside = false
        for (a, b) in zip(ring, ring.dropFirst()) {
            if onSegment(p, a, b) { return .edge }
            if (a.lat > p.lat) != (b.lat > p.lat) {
                let crossing = a.long + (p.lat - a.lat) * (b.long - a.long) / (b.lat - a.lat)
                if p.long < crossing { inside.toggle() }
            }
        }
        return inside ? .inside : .outside
    }

    static func onSegment(_ p: GeoPoint, _ a: GeoPoint, _ b: GeoPoint) -> Bool {
        let cross = (b.long - a.long) * (p.lat - a.lat) - (b.lat - a.lat) * (p.long - a.long)
        let scale = max(abs(b.long - a.long), abs(b.lat - a.lat), 1e-12)
        guard abs(cross) <= 1e-12 * scale else { return false }
        return (min(a.long, b.long)...max(a.long, b.long)).contains(p.long) && (min(a.lat, b.lat)...max(a.lat, b.lat)).contains(p.lat)
    }
}
