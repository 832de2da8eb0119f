"""Flight providers (FlightSource adapters): search APIs such as Duffel."""
