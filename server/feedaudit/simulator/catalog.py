"""The simulator's built-in items: made-up titles and sources for the 16 default
categories (issue 5). Written for this project; no third-party data.

Each category has 15 plain titles, 3 clickbait-style titles (ground truth
``clickbait=True``) and 5 sources (channel / outlet names); titles are dealt to
sources in turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

CATEGORIES = (
    "News & Politics", "Business & Finance", "Science", "Technology", "Health & Fitness",
    "Sports", "Gaming", "Music", "Film & TV", "Comedy & Entertainment",
    "Education & How-to", "Food & Cooking", "Travel & Places", "Lifestyle & Fashion",
    "Cars & Vehicles", "Pets & Animals",
)

_SOURCES = {
    "News & Politics": ["The Capitol Ledger", "Northgate Daily", "Civic Wire", "Harbor Times", "Policy Brief Weekly"],
    "Business & Finance": ["Ledger & Line", "Market Hour", "Founders Desk", "Quarterly Signal", "Main Street Money"],
    "Science": ["Lab Bench Notes", "Orbital Review", "Field Station", "The Deep Time Podcast", "Quantum Corner"],
    "Technology": ["Kernel Panic Blog", "Byte Street", "Stack & Silicon", "Open Source Gazette", "The Patch Notes"],
    "Health & Fitness": ["Stride Lab", "Everyday Physio", "Kettlebell Kitchen", "Sleep Well Clinic", "Run Local"],
    "Sports": ["Touchline Talk", "The Box Score", "Hat Trick Weekly", "Baseline Report", "Peloton Post"],
    "Gaming": ["Save Point", "Pixel Forge", "Speedrun Archive", "Co-op Couch", "Patch Day Live"],
    "Music": ["Vinyl Hour", "Bassline Theory", "Open Mic Sessions", "Studio Diaries", "Chord Club"],
    "Film & TV": ["Reel Talk", "Second Screen", "Cutting Room", "Box Office Beat", "Series Finale Club"],
    "Comedy & Entertainment": ["Laugh Track", "Late Shift Sketches", "Punchline Daily", "The Improv Loft", "Viral Vault"],
    "Education & How-to": ["Explained Simply", "Fix It Friday", "Chalkboard", "Homeroom Labs", "Skill Tree"],
    "Food & Cooking": ["Cast Iron Kitchen", "Weeknight Plate", "Sourdough Society", "Spice Route Cooking", "Budget Bites"],
    "Travel & Places": ["Slow Train Journal", "Backroads Atlas", "Carry-On Only", "Harbor to Harbor", "Map Pin Diaries"],
    "Lifestyle & Fashion": ["Capsule Closet", "Thread Count", "Small Space Living", "Morning Ritual", "Second Hand Style"],
    "Cars & Vehicles": ["Torque Talk", "Garage Notes", "EV Range Test", "Track Day Diaries", "Classic Restorers"],
    "Pets & Animals": ["Paws & Claws", "The Rescue Barn", "Aquarium Hobbyist", "Wild Backyard", "Feather Report"],
}

_TITLES = {
    "News & Politics": [
        "City council approves new budget after late-night session",
        "Senate committee delays vote on infrastructure bill",
        "Regional election turnout rises for the third year running",
        "What the new housing law changes for renters",
        "Mayor outlines plan to reopen the riverside ferry",
        "Court hears arguments over state redistricting map",
        "Coalition talks stall as parties disagree on energy taxes",
        "Local schools brace for changes in federal funding",
        "Parliament debates limits on campaign advertising",
        "Protesters and police reach agreement on march route",
        "Analysis: how the new tariffs affect small ports",
        "Governor signs bill expanding public transit subsidies",
        "Voters weigh in on the proposed stadium referendum",
        "Foreign ministers meet to discuss border water rights",
        "Census data shows suburbs growing faster than cities",
    ],
    "Business & Finance": [
        "Central bank holds interest rates steady for another quarter",
        "How index funds quietly took over retirement savings",
        "Regional grocery chain reports record holiday sales",
        "Startup raises funding to build cheaper warehouse robots",
        "Why freight shipping prices fell this spring",
        "A beginner's guide to reading a company balance sheet",
        "Airline merger approved with conditions on slot sales",
        "Small businesses turn to four-day work weeks",
        "Mortgage applications climb as rates ease slightly",
        "The economics of subscription fatigue",
        "Chipmaker shares slide after cautious earnings outlook",
        "Family-owned bakery expands to a second city",
        "What a strong dollar means for exporters",
        "Pension funds shift toward infrastructure investments",
        "Inside the negotiations behind a retail bankruptcy",
    ],
    "Science": [
        "Astronomers map a cold gas stream feeding a distant galaxy",
        "New fossil suggests early birds could swim",
        "Researchers grow heat-tolerant coral in the lab",
        "Why the ozone layer is slowly healing",
        "Telescope captures a comet breaking apart near the Sun",
        "Soil microbes may store more carbon than thought",
        "How a particle detector deep underground listens for neutrinos",
        "Ancient DNA reveals trade routes across the steppe",
        "Physicists measure gravity at millimetre distances",
        "Deep-sea expedition finds new species of glass sponge",
        "The chemistry behind why bread goes stale",
        "Mars rover drills its deepest sample yet",
        "Bees can learn to count, new experiments show",
        "Climate model improvements sharpen monsoon forecasts",
        "A new way to measure the age of groundwater",
    ],
    "Technology": [
        "A practical introduction to WebAssembly outside the browser",
        "Show HN: a tiny database that fits in a single file",
        "Why our team moved back from microservices",
        "Benchmarking ARM laptops for everyday development",
        "Writing a text editor from scratch in 1,000 lines",
        "Open-source maintainers discuss burnout and funding",
        "How password managers store your vault",
        "Reverse engineering a cheap smart plug",
        "A look at the new standard for USB power delivery",
        "Lessons from running SQLite in production for five years",
        "Building a home lab on a budget",
        "The quiet return of server-side rendering",
        "How modern compilers optimize loops",
        "Rust in the kernel: where things stand",
        "Designing APIs that survive ten years",
    ],
    "Health & Fitness": [
        "A 20-minute mobility routine for desk workers",
        "What a week of better sleep did for my training",
        "Beginner's guide to strength training at home",
        "How much protein do you actually need",
        "Physiotherapist explains common running injuries",
        "Couch to 5K: week-by-week plan",
        "The science of warming up before exercise",
        "Simple breathing exercises for stress",
        "Kettlebell swings: form check and common mistakes",
        "Why walking after meals helps blood sugar",
        "Stretching for better posture in ten minutes",
        "Training for your first half marathon",
        "How to start swimming laps as an adult",
        "Hydration myths and what research says",
        "Yoga for lower back pain: a gentle session",
    ],
    "Sports": [
        "Late goal seals the title race on the final day",
        "Tactical breakdown: how the high press won the derby",
        "Rookie point guard sets franchise assist record",
        "Tour stage recap: breakaway survives in the mountains",
        "Tennis final goes to a fifth-set tiebreak",
        "Ranking the best defenders of the season",
        "Cricket: spinners dominate on a dry pitch",
        "Marathon course record falls in cool conditions",
        "Transfer window: which clubs strengthened most",
        "Highlights: underdogs stun the champions in overtime",
        "Why the designated hitter changed late-game strategy",
        "Women's league attendance doubles in two seasons",
        "Rugby sevens: the fitness behind the fastest sport",
        "Goalkeeper analysis: saves above expected explained",
        "Ski jumping season preview",
    ],
    "Gaming": [
        "Full playthrough of the new roguelike, part one",
        "Speedrun world record explained frame by frame",
        "Building a medieval city in the latest colony sim",
        "Indie puzzle game review: clever ideas, short length",
        "Patch notes breakdown: every balance change",
        "Co-op survival night with friends",
        "The history of the first home consoles",
        "Beginner tips for the new open-world RPG",
        "Retro handheld comparison: which one to buy",
        "How level designers guide players without signs",
        "Ranked climb: from bronze to gold in a week",
        "Modding an old racing game with new tracks",
        "The making of a pixel art platformer",
        "Strategy guide: early economy in the space 4X game",
        "Tabletop campaign session twelve: the sunken library",
    ],
    "Music": [
        "Live session: acoustic set in a small studio",
        "How this bassline works: a music theory breakdown",
        "Album review: a quiet, patient folk record",
        "Building a synth patch from scratch",
        "The story behind a classic jazz standard",
        "Drum cover of a progressive rock epic",
        "Mixing vocals at home: five practical steps",
        "Orchestra rehearses a new commissioned piece",
        "Why some chord progressions sound sad",
        "Vinyl collection tour: rare pressings",
        "Learning guitar at forty: my first year",
        "Festival lineup announced for the summer",
        "Producer reacts to early demo recordings",
        "A short history of the electric organ",
        "Choir arrangement of a traditional lullaby",
    ],
    "Film & TV": [
        "Official trailer: the mystery series returns for season two",
        "Film review: a slow-burning thriller set in the fjords",
        "How practical effects were done in classic sci-fi",
        "Ranking every episode of the anthology series",
        "Director's commentary on the long opening shot",
        "The best documentaries of the year so far",
        "Why the finale divided fans",
        "Behind the scenes of a stop-motion feature",
        "Cinematography breakdown: lighting a night scene",
        "Box office weekend: animation tops the charts",
        "Adapting a novel for the screen: what gets cut",
        "Interview with the composer of the space drama",
        "Film festival award winners announced",
        "The editing tricks that make comedies funnier",
        "Classic film club: a 1950s noir revisited",
    ],
    "Comedy & Entertainment": [
        "Stand-up set: moving back in with my parents",
        "Sketch: the world's most polite customer service call",
        "Improv night highlights",
        "Reacting to the weirdest kitchen gadgets",
        "Late show monologue: the week in review",
        "Prank show: the invisible dog leash",
        "Comedians play a word association game",
        "Parody song about office meetings",
        "Roast of the group chat",
        "Sketch: a medieval knight discovers self-checkout",
        "Game show bloopers compilation",
        "Stand-up: growing up in a small town",
        "Talk show host tries to learn skateboarding",
        "Improv: the family road trip",
        "Celebrity guests try to guess the price of groceries",
    ],
    "Education & How-to": [
        "How to fix a leaky tap in ten minutes",
        "Calculus explained with one simple picture",
        "Learn the basics of spreadsheet formulas",
        "How to write a clear cover letter",
        "The French Revolution in fifteen minutes",
        "Beginner woodworking: building a simple shelf",
        "How to patch drywall like a pro",
        "Grammar: when to use a semicolon",
        "Study techniques backed by memory research",
        "Intro to statistics: mean, median and mode",
        "How to change a bicycle inner tube",
        "Learn to solder: a beginner's kit walkthrough",
        "Understanding compound interest",
        "Sewing a button and other mending basics",
        "Map reading and compass skills for hikers",
    ],
    "Food & Cooking": [
        "Weeknight lentil curry in thirty minutes",
        "Sourdough starter: day one to first loaf",
        "How to season a cast iron pan",
        "Three ways to cook perfect rice",
        "Street food tour of a night market",
        "Homemade pasta without a machine",
        "Budget meal prep for the week",
        "The secret to crispy roast potatoes",
        "Fermenting vegetables at home",
        "Knife skills: dicing an onion quickly",
        "Baking a lemon tart from scratch",
        "Vegetarian chili for a crowd",
        "How to make a proper omelette",
        "Spice guide: toasting and grinding whole spices",
        "Slow-cooked beans from dried",
    ],
    "Travel & Places": [
        "Three days in a mountain village by train",
        "Island hopping on a budget",
        "Walking the old city walls at sunrise",
        "Night train across the border: what to expect",
        "Packing light: a week with one bag",
        "Hidden courtyards of an old harbour town",
        "Camping by a glacier lake",
        "A food map of the coastal market towns",
        "Cycling a canal path for two hundred kilometres",
        "What to know before visiting a desert national park",
        "The lighthouse keepers' cottage you can rent",
        "Exploring abandoned railway tunnels",
        "Ferry routes of the northern archipelago",
        "A rainy weekend in a university city",
        "Road trip along the volcanic coast",
    ],
    "Lifestyle & Fashion": [
        "Building a capsule wardrobe with twenty pieces",
        "Small apartment makeover on a budget",
        "My slow morning routine",
        "Thrift haul: vintage wool coats",
        "How to care for leather boots",
        "Minimalist desk setup tour",
        "Styling one jacket five ways",
        "Decluttering a closet in one afternoon",
        "Houseplants that survive low light",
        "Repairing jeans with visible mending",
        "Simple skincare routine for winter",
        "A week of outfits from a secondhand shop",
        "Organising a tiny kitchen",
        "Choosing colours that work together",
        "Bedroom reset for better sleep",
    ],
    "Cars & Vehicles": [
        "Long-term review: a year with a small electric hatchback",
        "Restoring a rusty classic roadster, episode four",
        "How a dual-clutch gearbox works",
        "Winter range test of four electric cars",
        "Track day at a historic circuit",
        "Changing your own brake pads step by step",
        "Pickup truck towing comparison",
        "The engineering behind rotary engines",
        "Buying a used car: what to inspect",
        "Motorcycle touring through mountain passes",
        "Detailing a neglected interior",
        "Hydrogen cars: where are they now",
        "Rally stage onboard with commentary",
        "Tyre pressure and fuel economy tested",
        "Converting a van into a small camper",
    ],
    "Pets & Animals": [
        "Rescue kitten meets the family dog",
        "Setting up a planted aquarium for beginners",
        "How to trim a dog's nails without stress",
        "Backyard bird feeder camera highlights",
        "Adopting a retired greyhound",
        "Understanding cat body language",
        "Chickens in the garden: first month",
        "Puppy training: teaching a reliable recall",
        "Tortoise care through the winter",
        "Wildlife rehab releases a young owl",
        "Rabbit-proofing an apartment",
        "Parrot learns to whistle a tune",
        "Hedgehog house build for the garden",
        "Senior dog care: gentle exercise ideas",
        "Feeding time at the goat sanctuary",
    ],
}

_BAIT_TITLES = {
    "News & Politics": [
        "You won't believe what this senator just said",
        "The one vote that could change everything",
        "Officials are hiding this from you",
    ],
    "Business & Finance": [
        "This one stock trick banks don't want you to know",
        "I quit my job and made millions, here's how",
        "10 money mistakes you're making right now",
    ],
    "Science": [
        "Scientists are stunned by what they found under the ice",
        "This discovery changes everything we know about space",
        "12 facts about the universe that will blow your mind",
    ],
    "Technology": [
        "This secret phone setting will change your life",
        "Why everyone is deleting this app right now",
        "7 gadgets you need before it's too late",
    ],
    "Health & Fitness": [
        "Doctors hate this one simple trick for belly fat",
        "Do this every morning and watch what happens",
        "The worst food you eat every day",
    ],
    "Sports": [
        "You won't believe what happened after the final whistle",
        "The most insane goal ever scored",
        "10 athletes who ruined their careers in one night",
    ],
    "Gaming": [
        "This hidden ending will shock you",
        "I played for 100 hours and this happened",
        "The game they don't want you to play",
    ],
    "Music": [
        "This singer's secret will leave you speechless",
        "Why nobody talks about this song anymore",
        "9 songs you didn't know were banned",
    ],
    "Film & TV": [
        "The ending nobody saw coming",
        "15 movie mistakes you never noticed",
        "This actor's reaction says it all",
    ],
    "Comedy & Entertainment": [
        "You'll cry laughing at number 7",
        "The most awkward moment ever caught on camera",
        "This prank went horribly wrong",
    ],
    "Education & How-to": [
        "Teachers hate this genius study hack",
        "This one trick fixes everything in your house",
        "8 life hacks you'll wish you knew sooner",
    ],
    "Food & Cooking": [
        "Stop cooking pasta like this immediately",
        "The secret ingredient chefs never tell you",
        "I tried the viral recipe and I'm shocked",
    ],
    "Travel & Places": [
        "This hidden beach is too beautiful to be real",
        "Never book a flight before watching this",
        "11 places you must see before they disappear",
    ],
    "Lifestyle & Fashion": [
        "Stop wearing these clothes after 30",
        "This cheap item changed my whole routine",
        "The trend everyone will regret",
    ],
    "Cars & Vehicles": [
        "Mechanics don't want you to know this",
        "The car nobody should ever buy",
        "I bought the cheapest car online and regret everything",
    ],
    "Pets & Animals": [
        "What this dog did next will melt your heart",
        "Your cat is secretly telling you this",
        "You won't believe what was inside the box",
    ],
}


@dataclass(frozen=True)
class CatalogItem:
    """One simulated item. ``index`` is its row in the catalog (and in any
    embeddings matrix built from :func:`catalog_titles`)."""

    index: int
    category: str
    title: str
    source: str
    clickbait: bool
    slug: str


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def build_catalog() -> tuple[CatalogItem, ...]:
    """All items, category by category, plain titles first."""
    items: list[CatalogItem] = []
    for category in CATEGORIES:
        sources = _SOURCES[category]
        titled = [(t, False) for t in _TITLES[category]] + [(t, True) for t in _BAIT_TITLES[category]]
        for position, (title, bait) in enumerate(titled):
            source = sources[position % len(sources)]
            items.append(CatalogItem(len(items), category, title, source, bait, _slug(title)))
    return tuple(items)


CATALOG = build_catalog()


@lru_cache(maxsize=65536)
def catalog_item(index: int) -> CatalogItem:
    """The item with this index. Indexes ≥ len(CATALOG) are numbered variants of
    ``CATALOG[index % len(CATALOG)]`` (same category, source and clickbait flag,
    title "… (part n)"), for simulations that need many distinct items."""
    base = CATALOG[index % len(CATALOG)]
    part = index // len(CATALOG)
    if part == 0:
        return base
    title = f"{base.title} (part {part + 1})"
    return CatalogItem(index, base.category, title, base.source, base.clickbait, f"{base.slug}-part-{part + 1}")


def catalog_titles(variants: int = 1) -> list[str]:
    """Titles of items 0 … variants·len(CATALOG) − 1, e.g. to embed them into a
    matrix whose rows line up with ``item_index``."""
    return [catalog_item(index).title for index in range(variants * len(CATALOG))]
