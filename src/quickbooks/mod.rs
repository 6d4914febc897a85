//! QuickBooks Online API client: OAuth2 refresh with rotation, query builder, CDC, batch, entities, preferences.
