/**
 * The dictionaries fakes are picked from (by keyed hash, never `ORDER BY random()`). They are loaded into
 * lookup tables of the mask schema and compiled into the SQL pick functions, so SQL and TypeScript agree.
 * Plain ASCII, so a fake never needs more bytes than characters.
 */

export const FIRST_NAMES = [
  'Aaron', 'Abigail', 'Adam', 'Adrian', 'Aisha', 'Alan', 'Alba', 'Alex', 'Alice', 'Amara', 'Amelia', 'Amir', 'Ana',
  'Andre', 'Anna', 'Arjun', 'Arthur', 'Astrid', 'Ava', 'Beatriz', 'Ben', 'Bianca', 'Bruno', 'Caleb', 'Carla', 'Carlos',
  'Chen', 'Chloe', 'Clara', 'Daniel', 'Dara', 'David', 'Diego', 'Elena', 'Eli', 'Elif', 'Emil', 'Emma', 'Erik',
  'Ethan', 'Eva', 'Farah', 'Felix', 'Fiona', 'Freya', 'Gabriel', 'Grace', 'Hana', 'Hannah', 'Hugo', 'Ines', 'Isaac',
  'Isla', 'Ivan', 'Jade', 'Jamal', 'James', 'Jonas', 'Julia', 'Kai', 'Kaito', 'Keira', 'Lara', 'Leah', 'Leo',
  'Liam', 'Lina', 'Lucas', 'Lucia', 'Maya', 'Mateo', 'Mia', 'Milan', 'Mira', 'Nadia', 'Naomi', 'Nia', 'Noah',
  'Nora', 'Oliver', 'Omar', 'Oscar', 'Priya', 'Rafael', 'Rosa', 'Ruby', 'Sam', 'Sara', 'Sofia', 'Tariq', 'Theo',
  'Tom', 'Uma', 'Vera', 'Victor', 'Wren', 'Yara', 'Yusuf', 'Zara', 'Zoe',
] as const;

export const LAST_NAMES = [
  'Abbott', 'Adeyemi', 'Alvarez', 'Andersen', 'Bailey', 'Baker', 'Banerjee', 'Barros', 'Becker', 'Bennett',
  'Berg', 'Brooks', 'Campbell', 'Carter', 'Castillo', 'Chowdhury', 'Clarke', 'Costa', 'Cruz', 'Dahl', 'Davies',
  'Dubois', 'Edwards', 'Ellis', 'Evans', 'Farouk', 'Fischer', 'Fleming', 'Fontaine', 'Foster', 'Garcia', 'Gibson',
  'Gomez', 'Grant', 'Gray', 'Hansen', 'Harper', 'Hayes', 'Hughes', 'Ibrahim', 'Ito', 'Jensen', 'Jimenez', 'Kaur',
  'Keller', 'Khan', 'Kim', 'Kowalski', 'Larsen', 'Laurent', 'Lee', 'Lindqvist', 'Lopez', 'Marsh', 'Martin',
  'Mendes', 'Meyer', 'Molina', 'Moreau', 'Murphy', 'Nakamura', 'Navarro', 'Nguyen', 'Novak', 'Okafor', 'Olsen',
  'Ortiz', 'Osei', 'Park', 'Patel', 'Pereira', 'Perez', 'Quinn', 'Ramos', 'Reid', 'Reyes', 'Richter', 'Rossi',
  'Russo', 'Sato', 'Schmidt', 'Silva', 'Singh', 'Sousa', 'Stone', 'Suzuki', 'Tanaka', 'Torres', 'Turner', 'Vargas',
  'Vogel', 'Wagner', 'Walsh', 'Ward', 'Weber', 'Wilson', 'Wright', 'Yilmaz', 'Young', 'Zhang',
] as const;

export const STREETS = [
  'Acacia Avenue', 'Alder Road', 'Ash Grove', 'Beech Street', 'Birch Lane', 'Bridge Street', 'Brook Road',
  'Castle Street', 'Cedar Close', 'Chapel Lane', 'Church Road', 'Cliff Road', 'Clover Way', 'Elm Street',
  'Fern Avenue', 'Field Lane', 'Garden Row', 'Hawthorn Drive', 'Hazel Way', 'High Street', 'Hill Road',
  'Ivy Lane', 'Juniper Court', 'Lake View', 'Linden Avenue', 'Maple Street', 'Market Square', 'Meadow Lane',
  'Mill Road', 'Oak Avenue', 'Orchard Way', 'Park Lane', 'Pine Street', 'Poplar Road', 'Quarry Lane',
  'River Walk', 'Rose Terrace', 'Rowan Close', 'School Lane', 'Silver Street', 'Spring Gardens', 'Station Road',
  'Sycamore Drive', 'Valley Road', 'Victoria Road', 'Walnut Grove', 'Water Lane', 'Willow Way', 'Windmill Hill',
  'York Road',
] as const;

export const CITIES = [
  'Ashford', 'Bayview', 'Bellmoor', 'Brightwater', 'Brookfield', 'Cedarville', 'Clearwater', 'Coldharbour',
  'Eastbrook', 'Elmstead', 'Fairhaven', 'Fallowfield', 'Glenmore', 'Greenhill', 'Harborview', 'Highbridge',
  'Kingsford', 'Lakeside', 'Littleton', 'Maplewood', 'Marshfield', 'Meadowbank', 'Millbrook', 'Newhaven',
  'Northwood', 'Oakridge', 'Oldcastle', 'Pinecrest', 'Redcliff', 'Riverside', 'Rosedale', 'Sandford',
  'Silverlake', 'Southport', 'Springfield', 'Stonebridge', 'Summerfield', 'Thornbury', 'Westbrook', 'Whitby',
] as const;

export const WORDS = [
  'amber', 'bright', 'calm', 'delta', 'ember', 'fable', 'glade', 'harbor', 'iris', 'jolly', 'kite', 'lumen',
  'meadow', 'nimbus', 'orbit', 'pebble', 'quartz', 'river', 'sable', 'tidal', 'umber', 'velvet', 'willow', 'zephyr',
] as const;

/** The reserved (RFC 2606) domains fake emails use: mail sent to them never reaches a person. */
export const FAKE_EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net'] as const;

/** Dictionary lookup tables created in the mask schema, with the lists they hold. */
export const DICTIONARY_TABLES: Readonly<Record<string, readonly string[]>> = {
  first_names: FIRST_NAMES,
  last_names: LAST_NAMES,
  streets: STREETS,
  cities: CITIES,
  words: WORDS,
};
