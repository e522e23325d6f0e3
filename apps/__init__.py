"""The fleetopt Streamlit app: entry page, pages, components and the services layer."""
