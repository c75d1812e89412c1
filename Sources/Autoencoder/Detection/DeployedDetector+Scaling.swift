import Preprocessing

extension DeployedDetector {
    /// The fitted scaler of a deployed detector, one of the library's scalers (so it can be saved).
    public enum Scaling: Sendable, Equatable {
        /// Rows go to the model as they are.
        case none
        /// A fitted ``Preprocessing/StandardScaler``.
        case standard(StandardScaler)
        /// A fitted ``Preprocessing/MinMaxScaler``.
        case minMax(MinMaxScaler)
        /// A fitted ``Preprocessing/GlobalMinMaxScaler``.
        case globalMinMax(GlobalMinMaxScaler)

        /// The scaler, or `nil` for ``none``.
        public var scaler: (any Scaler)? {
            switch self {
            case .none: nil
            case let .standard(scaler): scaler
            case let .minMax(scaler): scaler
            case let .globalMinMax(scaler): scaler
            }
        }

        /// The name stored in `detector.json`: the scaler's type name, or `none`.
        public var typeName: String {
            switch self {
            case .none: "none"
            case .standard: "StandardScaler"
            case .minMax: "MinMaxScaler"
            case .globalMinMax: "GlobalMinMaxScaler"
            }
        }
    }
}
