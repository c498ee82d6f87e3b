import Domain
import FlowEngine
import Foundation

/// The validated contents of `menus/` and `locales/`, ready to run.
public struct Definitions: Sendable {
    public var flow: Flow
    /// The SMS keyword flow (`menus/sms.yaml`), when the deployment has one.
    public var smsFlow: Flow?
    public var catalogue: ServiceCatalogue
    public var locales: Locales
    /// How long personal data is kept (`menus/retention.yaml`; the defaults when it is absent).
    public var retention = RetentionPolicy()
    /// The areas' boundaries (`menus/areas.geojson`; none when it is absent): a map app's point finds its area.
    public var boundaries = AreaBoundaries()
    /// What the check noticed without rejecting: text transliterated to GSM-7, the fullest screens.
    public var notes: [String]

    public func engine(settings: FlowEngine.Settings = .init()) -> FlowEngine {
        FlowEngine(flow: flow, catalogue: catalogue, locales: locales, settings: settings)
    }

    /// The engine for SMS conversations, if `menus/sms.yaml` exists.
    public func smsEngine(calendar: MunicipalCalendar = MunicipalCalendar()) -> FlowEngine? {
        var settings = FlowEngine.Settings.sms
        settings.calendar = calendar
        return smsFlow.map { FlowEngine(flow: $0, catalogue: catalogue, locales: locales, settings: settings) }
    }

    /// Reads and checks everything; throws every problem found, each naming file and place.
    public static func load(menus: String, locales: String, settings: FlowEngine.Settings = .init()) throws(DefinitionError) -> Definitions {
        var problems: [DefinitionProblem] = []
        var boundaries = AreaBoundaries()
        let fm = FileManager.default
        func display(_ dir: String, _ name: String) -> String {
            (URL(fileURLWithPath: dir).lastPathComponent) + "/" + name
        }
        let flowYAML = YAMLFile(path: menus + "/ussd.yaml", displayName: display(menus, "ussd.yaml"))
        let flowFile = FlowFile(flowYAML)
        let smsPath = menus + "/sms.yaml"
        let smsYAML = fm.fileExists(atPath: smsPath) ? YAMLFile(path: smsPath, displayName: display(menus, "sms.yaml")) : nil
        let smsFile = smsYAML.map(FlowFile.init)
        problems += smsYAML?.problems ?? []
        let catalogueYAML = YAMLFile(path: menus + "/catalogue.yaml", displayName: display(menus, "catalogue.yaml"))
        let catalogueFile = CatalogueFile(catalogueYAML)
        problems += flowYAML.problems + catalogueYAML.problems
        let retentionPath = menus + "/retention.yaml"
        let retentionYAML = fm.fileExists(atPath: retentionPath) ? YAMLFile(path: retentionPath, displayName: display(menus, "retention.yaml")) : nil
        let retention = retentionYAML?.retention() ?? RetentionPolicy()
        problems += retentionYAML?.problems ?? []

        var localeFiles: [(file: String, parsed: LocaleFile)] = []
        let names = ((try? fm.contentsOfDirectory(atPath: locales)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        if names.isEmpty {
            problems.append(DefinitionProblem(file: locales, place: "", message: "no locale files (<code>.yaml)"))
        }
        for name in names {
            let shown = display(locales, name)
            let yaml = YAMLFile(path: locales + "/" + name, displayName: shown)
            let parsed = LocaleFile(yaml, expectedCode: String(name.dropLast(5)))
            problems += yaml.problems
            localeFiles.append((shown, parsed))
        }
        let ordered = localeFiles.compactMap { f in f.parsed.locale.map { (f.parsed.order, $0) } }
            .sorted { ($0.0, $0.1.code) < ($1.0, $1.1.code) }.map(\.1)

        let boundaryPath = menus + "/areas.geojson"
        if let catalogue = catalogueFile.catalogue, fm.fileExists(atPath: boundaryPath) {
            let file = AreaBoundaryFile(path: boundaryPath, displayName: display(menus, "areas.geojson"), areas: Set(catalogue.areas.map(\.code)))
            problems += file.problems
            boundaries = file.boundaries
        }
        guard let flow = flowFile.flow, let catalogue = catalogueFile.catalogue, !ordered.isEmpty, problems.isEmpty else {
            throw DefinitionError(problems: problems)
        }
        let fallback = ordered.contains { $0.code == "en" } ? "en" : ordered[0].code
        let localeSet = Locales(ordered: ordered, fallback: fallback)
        var flows: [(Flow, FlowFile, String, FlowEngine.Settings)] = [(flow, flowFile, flowYAML.path, settings)]
        if let smsFile, let smsFlow = smsFile.flow, let smsYAML { flows.append((smsFlow, smsFile, smsYAML.path, .sms)) }
        let files = Dictionary(uniqueKeysWithValues: localeFiles.compactMap { f in f.parsed.locale.map { ($0.code, f.file) } })
        var notes: [String] = []
        for (flow, file, path, flowSettings) in flows {
            var checker = Checker(flow: flow, flowFile: file, flowPath: path, catalogue: catalogue)
            checker.checkStructure()
            for f in localeFiles {
                if let locale = f.parsed.locale { checker.checkTranslations(locale, file: f.file, marks: f.parsed.keyMarks) }
            }
            problems += checker.problems
            guard problems.isEmpty else { throw DefinitionError(problems: problems) }
            checker.problems = []
            let engine = FlowEngine(flow: flow, catalogue: catalogue, locales: localeSet, settings: flowSettings)
            notes += checker.checkScreens(engine, files: files)
            problems += checker.problems
        }
        guard problems.isEmpty else { throw DefinitionError(problems: problems) }
        return Definitions(flow: flow, smsFlow: flows.count > 1 ? flows[1].0 : nil, catalogue: catalogue, locales: localeSet, retention: retention,
                           boundaries: boundaries, notes: notes)
    }
}
