//! HubSpot CRM API client: auth, objects, batch, search, properties, associations.
