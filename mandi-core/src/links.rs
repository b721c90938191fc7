//! Amazon product links: parsing what users paste, and building affiliate links.
