"""Convert the researched legal reference into the dataset files in data/jurisdictions/.

Kept only as a record of the initial conversion: the dataset has since been edited by hand
(research merge of 2026-12-01, see data/jurisdictions/README.md "Research log"), so the CSV
files are the source of truth. Do not re-run this script over them; it would undo those edits.

Why a script: the mechanical part (columns, partial dates, verified_on, the sources table) must
be repeatable, while every change of meaning stays visible in one place (``EDITS`` and
``EXTRA_PERIODS`` below, each with its reason). The reference itself is read-only input.

Usage: python scripts/convert_reference.py REFERENCE_DIR [OUT_DIR]
(OUT_DIR defaults to data/jurisdictions relative to the repository root).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sys
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from service.dataset import validate

PERIOD_COLUMNS = list(validate.PERIOD_COLUMNS)

READ_FIRST = "2026-11-24"  # the reference was compiled from stored copies read that day
READ_UPDATE = "2026-11-25"  # rows touched by NOTES.md "Update 2026-11-25"
READ_TODAY = "2026-12-01"  # pages re-read by this conversion with the search tool
TRACKER = "github.com/ohjustadam/ikratom"
UPDATED_COUNTRIES = {"US", "RU", "PT", "HR", "KW"}

# Census GEOIDs from ../shared/boundaries/README.md (North Attleborough is a county
# subdivision, not in the place layer: no GEOID).
PLACES: dict[str, tuple[str, str]] = {
    "US-CA:san-diego-city": ("city", "0666000"),
    "US-CA:newport-beach": ("city", "0651182"),
    "US-CA:solana-beach": ("city", "0672506"),
    "US-CA:tustin": ("city", "0680854"),
    "US-IL:alton": ("city", "1701114"),
    "US-IL:jerseyville": ("city", "1738414"),
    "US-IL:monticello": ("city", "1750244"),
    "US-IL:naperville": ("city", "1751622"),
    "US-CO:denver": ("city", "0820000"),
    "US-MO:kansas-city": ("city", "2938000"),
    "US-MO:blue-springs": ("city", "2906652"),
    "US-NH:franklin": ("city", "3327380"),
    "US-MS:columbus": ("city", "2815380"),
    "US-MS:caledonia": ("town", "2810460"),
    "US-MS:decatur": ("town", "2818180"),
    "US-MS:new-albany": ("city", "2851000"),
    "US-MS:pontotoc": ("city", "2859160"),
    "US-MS:booneville": ("city", "2807780"),
    "US-MA:north-attleboro": ("town", ""),
    "US-FL:sarasota-county": ("county", "12115"),
    "US-NY:suffolk-county": ("county", "36103"),
    "US-MS:lowndes-county": ("county", "28087"),
    "US-MS:monroe-county": ("county", "28095"),
    "US-MS:rankin-county": ("county", "28121"),
    "US-MS:jones-county": ("county", "28067"),
    "US-MS:union-county": ("county", "28145"),
    "US-MS:newton-county": ("county", "28101"),
    "US-LA:ascension-parish": ("parish", "22005"),
    "US-LA:rapides-parish": ("parish", "22079"),
    "US-LA:franklin-parish": ("parish", "22041"),
    "US-LA:concordia-parish": ("parish", "22029"),
    "US-LA:ouachita-parish": ("parish", "22073"),
}

# domain -> (tier, publisher). Tiers follow NOTES.md: legislatures, statute books, gazettes,
# Federal Register copies and ordinances are primary; agency pages are government; news and
# bill trackers are news; law firms, legal-information sites, blogs, forums and the GitHub
# tracker are secondary; advocacy groups are advocacy; shops and vendor blogs are vendor.
DOMAINS: dict[str, tuple[str, str]] = {
    "33765910.at.webry.info": ("secondary", "Webry blog (Japan)"),
    "5280.com": ("news", "5280 Magazine"),
    "7ban.blaskattacks.com": ("secondary", "7ban.blaskattacks.com"),
    "addictionjournal.org": ("secondary", "Addiction Journal"),
    "advantagenews.com": ("news", "Advantage News"),
    "ag.utah.gov": ("government", "Utah Department of Agriculture and Food"),
    "al.com": ("news", "AL.com"),
    "alaan.cc": ("news", "Alaan"),
    "alreporter.com": ("news", "Alabama Political Reporter"),
    "americanfocus.online": ("news", "American Focus"),
    "americankratom.org": ("advocacy", "American Kratom Association"),
    "andoverbeacon.com": ("news", "Andover Beacon"),
    "antikratom.org": ("advocacy", "antikratom.org"),
    "app.legiplex.com": ("news", "Legiplex (bill tracker)"),
    "apps.legislature.ky.gov": ("primary", "Kentucky General Assembly"),
    "archive.newportbeachlibrary.org": ("primary", "City of Newport Beach (document archive)"),
    "ard.arcamax-plans.com": ("news", "ArcaMax (syndicated news)"),
    "asia-pacific-solidarity.net": ("news", "Asia Pacific Solidarity Network (news digest)"),
    "asiaone.com": ("news", "AsiaOne"),
    "authentickratom.com": ("vendor", "Authentic Kratom"),
    "azleg.gov": ("primary", "Arizona Legislature"),
    "babel.ua": ("news", "Babel"),
    "beta.ilga.gov": ("primary", "Illinois General Assembly"),
    "beta.tvonenews.com": ("news", "tvOne News"),
    "bills.wvlegislature.gov": ("primary", "West Virginia Legislature"),
    "billtrack50.com": ("news", "BillTrack50 (bill tracker)"),
    "bit.ua": ("news", "bit.ua"),
    "blog.expresshighs.com": ("vendor", "Express Highs (shop blog)"),
    "botanicalae.org": ("advocacy", "Botanical Education Alliance"),
    "bulkkratomnow.com": ("vendor", "Bulk Kratom Now"),
    "buongiornonovara.com": ("news", "Buongiorno Novara"),
    "cannabisnewsworld.com": ("news", "Cannabis News World"),
    "capitolwebsite.azurewebsites.net": ("primary", "Hawaii State Legislature (site copy)"),
    "cascadecatering.net": ("secondary", "cascadecatering.net (unrelated low-quality page)"),
    "cbc.ca": ("news", "CBC News"),
    "cdispatch.com": ("news", "The Commercial Dispatch"),
    "celinegounder.com": ("secondary", "Céline Gounder (newsletter)"),
    "channelnewsasia.com": ("news", "CNA"),
    "chapact.com": ("advocacy", "CHAP (kratom advocacy blog)"),
    "chicagotribune.com": ("news", "Chicago Tribune"),
    "citizenportal.ai": ("news", "Citizen Portal (meeting summaries)"),
    "clarkjonespenningtonlaw.com": ("secondary", "Clark Jones Pennington (law firm)"),
    "codepublishing.com": ("primary", "Solana Beach Municipal Code (Code Publishing)"),
    "columbuspacket.com": ("news", "Columbus Packet"),
    "courtgpt.ai": ("secondary", "CourtGPT (statute copy)"),
    "creativelegals.co.uk": ("secondary", "Creative Legals (law firm)"),
    "criminaldefencelawyers.com.au": ("secondary", "Sydney Criminal Lawyers (law firm)"),
    "ct24.ceskatelevize.cz": ("news", "ČT24 (Czech Television)"),
    "d1tvxue8o4w0fl.cloudfront.net": ("secondary", "statute copy (CloudFront-hosted)"),
    "dailycorinthian.com": ("news", "Daily Corinthian"),
    "dailyfly.com": ("news", "The Daily Fly"),
    "dailykansascitynews.com": ("news", "Daily Kansas City News"),
    "data.capitol.hawaii.gov": ("primary", "Hawaii State Legislature"),
    "denver7.com": ("news", "Denver7"),
    "denvergov.org": ("government", "City and County of Denver"),
    "djournal.com": ("news", "Northeast Mississippi Daily Journal"),
    "docslib.org": ("secondary", "DocsLib (document copy)"),
    "dre.tretas.org": ("secondary", "dre.tretas.org (copy of the Diário da República)"),
    "drogues-info-service.fr": ("government", "Drogues Info Service (Santé publique France)"),
    "drugs-forum.com": ("secondary", "Drugs-Forum"),
    "ecency.com": ("secondary", "Ecency (blog)"),
    "ecode360.com": ("primary", "Suffolk County Code (eCode360)"),
    "edengrows.org": ("vendor", "Eden Grows"),
    "edmontonjournal.com": ("news", "Edmonton Journal"),
    "ekuriren.se": ("news", "Eskilstuna-Kuriren"),
    "en.antaranews.com": ("news", "ANTARA News"),
    "erowid.org": ("secondary", "Erowid (copy of NDPSC records)"),
    "eznewswire.com": ("advocacy", "EZ Newswire (Global Kratom Coalition release)"),
    "fastdemocracy.com": ("news", "FastDemocracy (bill tracker)"),
    "fightforbotanicals.com": ("advocacy", "Fight for Botanicals"),
    "filtermag.org": ("news", "Filter"),
    "finchannel.com": ("news", "FINCHANNEL"),
    "fishervista.com": ("news", "Fisher Vista"),
    "floridapolitics.com": ("news", "Florida Politics"),
    "fox28spokane.com": ("news", "FOX28 Spokane"),
    "francais.medscape.com": ("news", "Medscape (French edition)"),
    "getkratom.com": ("vendor", "GetKratom"),
    "github.com": ("secondary", "ohjustadam/ikratom (third-party tracker)"),
    "goldenmonk.com": ("vendor", "Golden Monk"),
    "government-world.com": ("secondary", "government-world.com (press-release copy)"),
    "haluan.co": ("news", "Haluan"),
    "hannapub.com": ("news", "Concordia Sentinel"),
    "health.ettoday.net": ("news", "ETtoday Health"),
    "heraldtribune.com": ("news", "Sarasota Herald-Tribune"),
    "herekansascity.com": ("news", "Here Kansas City"),
    "hereneworleans.com": ("news", "Here New Orleans"),
    "hfnet.nibiohn.go.jp": ("government", "NIBIOHN (Japan) HFNet"),
    "hiddenvalleybotanicals.com": ("vendor", "Hidden Valley Botanicals"),
    "houmatimes.com": ("news", "Houma Times"),
    "house-press.com": ("news", "House Press"),
    "ibogaineforkratom.com": ("advocacy", "ibogaineforkratom.com"),
    "idahofreedom.org": ("advocacy", "Idaho Freedom Foundation"),
    "idpc.net": ("advocacy", "International Drug Policy Consortium"),
    "ilga.gov": ("primary", "Illinois General Assembly"),
    "irishstatutebook.ie": ("primary", "Irish Statute Book"),
    "it.sputniknews.com": ("news", "Sputnik Italia"),
    "journals.nauss.edu.sa": (
        "secondary",
        "Arab Journal of Forensic Sciences and Forensic Medicine",
    ),
    "kalb.com": ("news", "KALB"),
    "katv.com": ("news", "KATV"),
    "kdsnradio.com": ("news", "KDSN Radio"),
    "keepinglawsimple.org": ("news", "Keeping Law Simple (bill tracker)"),
    "kioskigloo.se": ("vendor", "Kiosk Igloo (shop blog)"),
    "knoe.com": ("news", "KNOE"),
    "kpq.com": ("news", "KPQ"),
    "krakenkratom.com": ("vendor", "Kraken Kratom"),
    "kraoma.com": ("vendor", "Kraoma"),
    "kratom.net": ("vendor", "kratom.net forum"),
    "kratomania.cz": ("vendor", "Kratomania"),
    "kratombans.com": ("secondary", "kratombans.com"),
    "kratombird.com": ("vendor", "Kratom Bird"),
    "kratomdesire.com": ("vendor", "Kratom Desire"),
    "kratomit.eu": ("vendor", "Kratomit"),
    "kratomit.sk": ("vendor", "Kratomit"),
    "kratomliteracyproject.com": ("advocacy", "Kratom Literacy Project"),
    "kratommonkey.net": ("vendor", "Kratom Monkey"),
    "kratompost.com": ("secondary", "Kratom Post"),
    "kratomratgeber.de": ("vendor", "Kratom Ratgeber"),
    "kratomscience.com": ("advocacy", "Kratom Science"),
    "kratomscience.eu": ("advocacy", "Kratom Science (EU)"),
    "kratomsociety.com": ("advocacy", "Kratom Society"),
    "kratomworld.com": ("vendor", "Kratom World"),
    "kshb.com": ("news", "KSHB 41"),
    "kslegislature.gov": ("primary", "Kansas Legislature"),
    "laconiadailysun.com": ("news", "The Laconia Daily Sun"),
    "latimes.com": ("news", "Los Angeles Times (Daily Pilot)"),
    "laegemiddelstyrelsen.dk": ("government", "Danish Medicines Agency"),
    "lagniappemobile.com": ("news", "Lagniappe Mobile"),
    "lakevillejournal.com": ("news", "The Lakeville Journal"),
    "law.uslawyerdatabase.com": ("secondary", "US Lawyer Database (statute copy)"),
    "lawserver.com": ("secondary", "LawServer (statute copy)"),
    "le.utah.gov": ("primary", "Utah Legislature"),
    "legalclarity.org": ("secondary", "LegalClarity (weak legal-information site)"),
    "legis.iowa.gov": ("primary", "Iowa Legislature"),
    "legiscan.com": ("news", "LegiScan (bill tracker)"),
    "legislature.mi.gov": ("primary", "Michigan Legislature"),
    "lexace.ai": ("secondary", "LexAce (statute copy)"),
    "localnews8.com": ("news", "Local News 8"),
    "lyonslaw.com.au": ("secondary", "Lyons Law (law firm)"),
    "malaymail.com": ("news", "Malay Mail"),
    "malaysiansmustknowthetruth.blogspot.com": ("secondary", "blog (Malaysia)"),
    "mdspire.com": ("secondary", "mdspire.com (agency-release summary)"),
    "medx.it.com": ("vendor", "medx.it.com"),
    "mhlw.go.jp": ("primary", "Ministry of Health, Labour and Welfare (Japan)"),
    "mindnudged.wordpress.com": ("secondary", "blog (WordPress)"),
    "miraclekoffee.com": ("vendor", "Miracle Koffee"),
    "mitragaia.com": ("vendor", "Mitragaia"),
    "mocten.com": ("news", "mocten.com"),
    "monkeyropepress.com": ("vendor", "Monkey Rope Press"),
    "monroefreepress.com": ("news", "Monroe Free Press"),
    "mothersagainstherbalabuse.org": ("advocacy", "Mothers Against Herbal Abuse"),
    "mylrc.sdlegislature.gov": ("primary", "South Dakota Legislature"),
    "narconews.fr": ("news", "Narconews"),
    "natchezdemocrat.com": ("news", "The Natchez Democrat"),
    "nationaltoday.com": ("news", "National Today"),
    "nbcsl.org": ("secondary", "National Black Caucus of State Legislators"),
    "ncleg.gov": ("primary", "North Carolina General Assembly"),
    "ncleg.net": ("primary", "North Carolina General Assembly"),
    "nebraskalegislature.gov": ("primary", "Nebraska Legislature"),
    "nectarleaf.eu": ("vendor", "Nectar Leaf"),
    "nemiss.news": ("news", "NEMiss.News"),
    "nevada.public.law": ("secondary", "Public.Law (statute copy)"),
    "new-futures.org": ("advocacy", "New Futures"),
    "newdawnkratom.com": ("vendor", "New Dawn Kratom"),
    "news.refresher.cz": ("news", "Refresher"),
    "news.wfsu.org": ("news", "WFSU News"),
    "news1.kr": ("news", "News1"),
    "newsbeep.com": ("news", "NewsBeep"),
    "newsday.com": ("news", "Newsday"),
    "newsfinale.com": ("news", "News Finale"),
    "newsleader.uberflip.com": ("news", "News Leader (Uberflip edition)"),
    "newswire.ca": ("government", "Health Canada (release via Cision newswire)"),
    "newszed.com": ("news", "NewsZed"),
    "newtoncountyappeal.com": ("news", "The Newton County Appeal"),
    "normativ.kontur.ru": ("secondary", "Kontur.Normativ (legal database)"),
    "nukinewellness.com": ("vendor", "Nukine Wellness"),
    "nutritionaloutlook.com": ("news", "Nutritional Outlook"),
    "ok-botanicals.com": ("vendor", "OK Botanicals"),
    "omni.se": ("news", "Omni"),
    "oregon.gov": ("government", "Oregon Department of Revenue"),
    "origin.vpap.org": ("news", "VPAP (bill tracker)"),
    "orlandpark.legistar.com": ("primary", "Village of Orland Park (Legistar)"),
    "otiesbotanicals.com": ("vendor", "Oties Botanicals"),
    "ourtupelo.com": ("news", "Our Tupelo"),
    "pahouse.com": ("government", "Pennsylvania House Republican Caucus"),
    "particle.news": ("news", "Particle (news aggregator)"),
    "pasenategop.com": ("government", "Pennsylvania Senate Republicans"),
    "patrioty.org.ua": ("news", "Patrioty"),
    "politicalemails.org": ("secondary", "Political Emails (archive)"),
    "portal.ct.gov": ("government", "Connecticut Department of Consumer Protection"),
    "protectkratom.org": ("advocacy", "American Kratom Association (protectkratom.org)"),
    "pubt.io": ("news", "pubt.io (news copy)"),
    "r.darrennathanael.com": ("secondary", "Reddit mirror (forum)"),
    "ra.de": ("secondary", "ra.de (court decision database)"),
    "reason.org": ("advocacy", "Reason Foundation"),
    "red.byte.kiwi": ("secondary", "Reddit mirror (forum)"),
    "reddit.gpgaming.de": ("secondary", "Reddit mirror (forum)"),
    "redriverradio.org": ("news", "Red River Radio"),
    "regulations.justia.com": ("primary", "Justia Regulations (Federal Register / OAR copy)"),
    "release.org.uk": ("secondary", "Release (UK drugs and law charity)"),
    "respekt.cz": ("news", "Respekt"),
    "riverbender.com": ("news", "RiverBender"),
    "robesonia.com": ("news", "robesonia.com"),
    "s3.us-west-2.amazonaws.com": ("primary", "Colorado General Assembly (document store)"),
    "sciotovalleyguardian.com": ("news", "Scioto Valley Guardian"),
    "scstatehouse.gov": ("primary", "South Carolina Legislature"),
    "secure.vermont.gov": ("primary", "Vermont Secretary of State (rules)"),
    "selectedleafs.com": ("vendor", "Selected Leafs"),
    "shaman-australis.com": ("vendor", "Shaman Australis forum"),
    "silklegal.com": ("secondary", "Silk Legal (law firm)"),
    "speciosa.org": ("advocacy", "Speciosa.org"),
    "statensorgan.se": ("government", "Statens organ (Swedish government documents)"),
    "static1.lequotidiendupharmacien.fr": ("news", "Le Quotidien du Pharmacien"),
    "straitstimes.com": ("news", "The Straits Times"),
    "superspeciosa.com": ("vendor", "Super Speciosa"),
    "swedenherald.com": ("news", "Sweden Herald"),
    "tangitracc.org": ("advocacy", "TRACC (Tangipahoa prevention coalition)"),
    "texas.public.law": ("secondary", "Public.Law (statute copy)"),
    "thecaucusblog.com": ("secondary", "The Caucus Blog"),
    "thefederalregister.org": ("primary", "Federal Register (copy)"),
    "thefix.com": ("news", "The Fix"),
    "thephuketnews.com": ("news", "The Phuket News"),
    "thestar.com.my": ("news", "The Star (Malaysia)"),
    "thrivecap.fastseoul.com": ("news", "news copy (fastseoul.com)"),
    "tilleke.com": ("secondary", "Tilleke & Gibbins (law firm)"),
    "timeskuwait.com": ("news", "Times Kuwait"),
    "tni.org": ("secondary", "Transnational Institute"),
    "triumphbotanicals.com": ("vendor", "Triumph Botanicals"),
    "udn.com": ("news", "United Daily News"),
    "ukratom.com": ("vendor", "UKratom"),
    "unodc.org": ("primary", "UNODC legal database"),
    "venable.com": ("secondary", "Venable LLP (law firm)"),
    "vitalia.cz": ("news", "Vitalia.cz"),
    "voua.com": ("news", "WVOU / voua.com"),
    "wcbi.com": ("news", "WCBI"),
    "wcsh6.com": ("news", "WCSH 6"),
    "wdac.com": ("news", "WDAC"),
    "webdocs.tustinca.org": ("primary", "City of Tustin (document archive)"),
    "webserver.rilegislature.gov": ("primary", "Rhode Island General Assembly"),
    "weeklycitizen.com": ("news", "The Weekly Citizen"),
    "westword.com": ("news", "Westword"),
    "wowo.com": ("news", "WOWO"),
    "wrkf.org": ("news", "WRKF"),
    "wvlegislature.gov": ("primary", "West Virginia Legislature"),
    "www2.rankincounty.org": ("primary", "Rankin County (ordinances)"),
    "zpravy.aktualne.cz": ("news", "Aktuálně.cz"),
}

TRACKER_TITLES = {
    "seed-state-status.mjs": "scripts/seed-state-status.mjs (state status seed, verified 2026-06-07)",
    "0179_state_status_flips.sql": "supabase/migrations/0179_state_status_flips.sql (2026 flips)",
    "0180_state_status_incoming.sql": "supabase/migrations/0180_state_status_incoming.sql (Wyoming)",
}

CANADA_SOURCES = (
    "http://newswire.ca/news-releases/advisory---unauthorized-matrix-red-and-white-vein-thai-and-"
    "medicine-man-lone-wolf-kratom-capsules-recalled-by-rgr-canada-inc-628015413.html",
    "http://edmontonjournal.com/news/local-news/health-canada-seizes-unauthorized-herbal-products-"
    "from-two-edmonton-stores",
    "https://www.cbc.ca/news/canada/edmonton/kratom-health-canada-edmonton-raids-1.4700901",
)

UNKNOWN_TERRITORY_NOTE = (
    "Not researched: no source on this territory was found. The reference listed it as legal "
    "only because nothing federal or territorial turned up, which is not evidence of no law; "
    "the cited Federal Register page (2016 withdrawal of the DEA notice) does not mention the "
    "territory."
)


@dataclass
class Edit:
    """A change of meaning to one reference row (matched by code and effective_from)."""

    reason: str
    drop: bool = False
    set: dict[str, str] = field(default_factory=dict)
    add_notes: str = ""  # appended to the notes
    add_sources: tuple[str, ...] = ()


# (code, reference effective_from) -> Edit. Everything not listed is converted mechanically.
EDITS: dict[tuple[str, str], Edit] = {
    ("US", ""): Edit(
        "2016 DEA notice folded in; period ends where the 2026 notices make status unknown",
        set={"effective_to": "2026-08-01"},
        add_notes=(
            "On 2016-08-31 the DEA published a notice of intent to temporarily schedule "
            "mitragynine and 7-OH (81 FR 59929, docket DEA-442); it was withdrawn on 2016-10-13 "
            "(81 FR 70652) after public and congressional opposition and never took effect. "
            "Ends 2026-08-01 because the 2026 DEA notices allowed a temporary 7-OH order from "
            "August 2026 (next period)."
        ),
        add_sources=(
            "https://regulations.justia.com/regulations/fedreg/2016/08/31/2016-20803.html",
            "https://regulations.justia.com/regulations/fedreg/2016/10/13/2016-24659.html",
        ),
    ),
    ("US", "2016-08-31"): Edit(
        "withdrawn 2016 proposal, never in force: folded into the notes of the legal period",
        drop=True,
    ),
    ("US", "2026-08"): Edit(
        "earliest possible date of an unconfirmed order, now past: unknown, not pending",
        set={"status": "unknown", "lifecycle": ""},
        add_notes=(
            "Converted to unknown: the notices would bring a restricted status (7-OH above the "
            "threshold), but no scheduling order or report of one was found, so neither legal "
            "nor restricted can be stated from 2026-08-01 on (the earliest possible month)."
        ),
    ),
    ("US-KY", "2024-07-15"): Edit(
        "ends where the reported (unconfirmed) 2027 ban begins, so periods do not overlap",
        set={
            "effective_to": "2027-01-01",
            "notes": (
                "Signed 2024-04-04. 21+, product standards (incl. 7-OH limit), labeling; "
                "Department for Public Health regulations. Ends 2027-01-01 only because a "
                "tracker reports an HB 757 ban from that date (next period, low confidence)."
            ),
        },
    ),
    ("US-KY", "2027-01-01"): Edit(
        "reference `pending` with a known future date: banned, lifecycle pending",
        set={"status": "banned", "lifecycle": "pending"},
    ),
    ("US-IL:naperville", ""): Edit(
        "local proposal with unknown outcome: unknown period",
        set={"status": "unknown"},
        add_notes="Proposal only; outcome not found, so the status is unknown.",
    ),
    ("US-MS:union-county", ""): Edit(
        "local proposal with unknown outcome: unknown period",
        set={"status": "unknown"},
        add_notes="Proposal only; outcome not found, so the status is unknown.",
    ),
    ("US-MS:newton-county", ""): Edit(
        "local proposal with unknown outcome: unknown period",
        set={"status": "unknown"},
        add_notes="Proposal only; outcome not found, so the status is unknown.",
    ),
    **{
        (code, ""): Edit(
            "not researched is never legal",
            set={"status": "unknown", "notes": UNKNOWN_TERRITORY_NOTE},
        )
        for code in ("US-GU", "US-VI", "US-AS", "US-MP")
    },
    ("US-PR", ""): Edit(
        "only support is one weak legal-information page",
        set={"confidence": "low"},
        add_notes="Only source is a legal-information site the reference rates as weak.",
    ),
    ("CA", ""): Edit(
        "reference cited the California (US-CA) pages; replaced by Canadian pages re-read; "
        "sale of any kratom health product is prohibited: `banned`, as for US-CA and GB",
        set={
            "status": "banned",
            "sources": " ".join(CANADA_SOURCES),
            "verified_on": READ_TODAY,
            "notes": (
                "Health Canada has authorised no product containing kratom for sale, and "
                "selling unauthorised health products is illegal; it has recalled and seized "
                "kratom products (2017 recalls, 2018 Edmonton seizures) and works with the "
                "Canada Border Services Agency to stop imports. Possession for personal "
                "consumption is not illegal (CBC, 2018). The reference cited California pages "
                "for this row; the sources were replaced by Canadian pages read 2026-12-01. "
                "The reference said restricted; entered as banned because sale is prohibited "
                "whatever the product, as for US-CA."
            ),
        },
    ),
    ("US-CA:newport-beach", "2024-03-12"): Edit(
        "second independent source found and read (LA Times Daily Pilot, 2024-03-20)",
        set={"verified_on": READ_TODAY, "source_date": "2024-03-20"},
        add_notes="A 2024-03-20 Daily Pilot newsletter reports the council vote to ban sales.",
        add_sources=(
            "https://www.latimes.com/socal/daily-pilot/news/newsletter/2024-03-20/"
            "tn-dpt-me-timesoc-latest-news-in-orange-county-kratom-ban-newport-beach-timesoc",
        ),
    ),
    ("DE", ""): Edit(
        "sources conflict on the status itself (FDA 2017 list vs court ruling)",
        set={"confidence": "low"},
    ),
    ("US-CT", ""): Edit(
        "end date conflicts (2026-02-24 DCP vs 2026-03-25 tracker); advocacy-only support",
        set={"confidence": "low"},
        add_notes="End date conflicts: a tracker gives 2026-03-25 instead of 2026-02-24.",
    ),
    ("US-CT", "2026-02-24"): Edit(
        "start date conflicts between the DCP release and a tracker",
        set={"confidence": "medium"},
    ),
    ("AU", "2004"): Edit(
        "start date conflicts (2004 NDPSC vs 2003/2005 law firm)",
        set={"confidence": "medium"},
    ),
    ("US-CO:denver", "2017-11"): Edit(
        "sale for human consumption prohibited: `banned` (restricted needs a product list)",
        set={"status": "banned"},
        add_notes=(
            "Entered as banned: the rule bars selling kratom for human consumption whatever "
            "the product; labelled non-consumptive sales remain possible."
        ),
    ),
}

# Periods that the reference states in words but not as rows.
EXTRA_PERIODS: list[dict[str, str]] = [
    {
        "code": "US-MS:jones-county",
        "status": "legal",
        "effective_from": "2025-05-26",
        "law": "County kratom ordinance repealed",
        "notes": (
            "The county repealed its ban on 2025-05-26 to follow the state's HB 1077 rules "
            "(21+, from 2025-07-01; see US-MS). No county rule of its own since."
        ),
        "sources": "https://www.voua.com/2025/05/27/supervisors-abolish-ordinance-on-kratom-will-follow-state-law-news",
        "verified_on": READ_FIRST,
        "confidence": "medium",
        "source_date": "2025-05-27",
    },
]

BANNED_PRODUCTS: dict[tuple[str, str], str] = {
    ("SE", "2011"): "extract",  # the alkaloid mitragynine was listed, the plant was not
    ("US-TN", "2014"): "extract",  # the AG reading: natural leaf lawful, alkaloids not
    ("US-DC", "2016"): "7-oh",
    ("US-FL", "2025-08-13"): "7-oh",
    ("US-KS", "2026-07-01"): "7-oh",
    ("US-OH", "2025-12-12"): "7-oh synthetic",
}

# Rows whose only cited copy of a primary record sits on a secondary host keep their rating.
KEEP_CONFIDENCE = {("AU", ""), ("HK", "")}
RANK = {"low": 0, "medium": 1, "high": 2}
WEAK_TIERS = {"vendor", "advocacy"}
WEAK_DOMAINS = {"github.com", "legalclarity.org"}  # the tracker; a machine-written site

# Periods that rest on temporary emergency rules (lifecycle `emergency`).
EMERGENCY = {
    ("US-FL", "2025-08-13"): "Lifecycle emergency: rests on Attorney General emergency rules; "
    "SB 432 enactment is unconfirmed.",
    ("US-OH", "2025-12-12"): "Lifecycle emergency: the emergency rule ran to 2026-06-10; only a "
    "tracker reports a permanent rule after it.",
}

PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def full_date(value: str) -> tuple[str, str]:
    """Return (YYYY-MM-DD, precision) for a reference date; never invents a day."""
    if not value:
        return "", ""
    m = PARTIAL.match(value)
    if not m:
        raise ValueError(f"bad date {value!r}")
    year, month, day = m.groups()
    if day:
        dt.date.fromisoformat(value)  # rejects impossible dates
        return value, ""
    if month:
        return f"{year}-{month}-01", "month"
    return f"{year}-01-01", "year"


def domain(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc.lower().removeprefix("www.")


def verified_on(file: str, row: dict[str, str]) -> str:
    if file == "us.csv" and TRACKER in row["sources"]:
        return READ_UPDATE
    if file == "countries.csv" and row["code"] in UPDATED_COUNTRIES:
        return READ_UPDATE
    return READ_FIRST


def convert_row(file: str, row: dict[str, str]) -> dict[str, str] | None:
    key = (row["code"], row["effective_from"])
    edit = EDITS.get(key)
    if edit and edit.drop:
        return None
    start, precision = full_date(row["effective_from"])
    end, _ = full_date(row["effective_to"])
    source_date = "" if row["last_source_date"] == "undated" else row["last_source_date"]
    out = {
        "code": row["code"],
        "status": row["status"],
        "effective_from": start,
        "effective_to": end,
        "lifecycle": "",
        "date_precision": precision,
        "age_min": row["age_min"],
        "banned_products": BANNED_PRODUCTS.get(key, ""),
        "law": row["law"],
        "sources": row["sources"],
        "verified_on": verified_on(file, row),
        "confidence": row["confidence"],
        "source_date": source_date,
        "notes": row["notes"],
    }
    if edit:
        out.update(edit.set)
        if edit.add_notes:
            out["notes"] = f"{out['notes']} {edit.add_notes}".strip()
        if edit.add_sources:
            out["sources"] = " ".join([*out["sources"].split(), *edit.add_sources])
    if key in EMERGENCY:
        out["lifecycle"] = "emergency"
        out["notes"] = f"{out['notes']} {EMERGENCY[key]}"
    apply_rules(key, out)
    return out


def extra_period(spec: dict[str, str]) -> dict[str, str]:
    row = dict.fromkeys(PERIOD_COLUMNS, "")
    row.update(spec)
    row["effective_from"], row["date_precision"] = full_date(spec.get("effective_from", ""))
    return row


def publisher(url: str) -> str:
    return DOMAINS[domain(url)][1]


def rated_confidence(urls: list[str]) -> tuple[str, str]:
    """Confidence the sources alone allow (README rules), with the reason."""
    tiers = [(DOMAINS[domain(u)][0], domain(u)) for u in urls]
    if any(t in ("primary", "government") for t, _ in tiers):
        return "high", ""
    credible = {
        publisher(u)
        for u, (t, d) in zip(urls, tiers, strict=True)
        if t not in WEAK_TIERS and d not in WEAK_DOMAINS
    }
    if len(credible) >= 2:
        return "high", ""
    if credible:
        return "medium", "one credible source only"
    return "low", "vendor, advocacy or tracker sources only"


def apply_rules(key: tuple[str, str], row: dict[str, str]) -> None:
    """Cap confidence by the sources' tiers; flag local bans below the two-source rule."""
    urls = row["sources"].split()
    allowed, why = rated_confidence(urls)
    if key not in KEEP_CONFIDENCE and RANK[allowed] < RANK[row["confidence"]]:
        row["notes"] = f"{row['notes']} Confidence lowered from {row['confidence']}: {why}.".strip()
        row["confidence"] = allowed
    if ":" in row["code"] and row["status"] == "banned" and not row["effective_to"]:
        publishers = {publisher(u) for u in urls}
        non_vendor = {publisher(u) for u in urls if DOMAINS[domain(u)][0] != "vendor"}
        if len(publishers) < 2 or not non_vendor:
            row["notes"] = (
                f"{row['notes']} Below the two-source rule for a current local ban "
                "(one independent publisher only)."
            ).strip()


def target_file(code: str) -> str:
    if ":" in code:
        return "us-local.csv"
    if code.startswith("US-"):
        return "us-states.csv"
    return "countries.csv"


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def sort_key(row: dict[str, str]) -> tuple[str, str]:
    return row["code"], row["effective_from"] or "0000"


def source_rows(urls: set[str]) -> list[dict[str, str]]:
    rows = []
    for url in sorted(urls):
        tier, publisher = DOMAINS[domain(url)]
        title = next((t for k, t in TRACKER_TITLES.items() if url.endswith(k)), "")
        rows.append({"url": url, "tier": tier, "publisher": publisher, "title": title})
    return rows


def convert(ref: Path, out: Path) -> Counter[str]:
    files: dict[str, list[dict[str, str]]] = {
        "countries.csv": [],
        "us-states.csv": [],
        "us-local.csv": [],
    }
    names: dict[str, str] = {}
    used: set[tuple[str, str]] = set()
    for name in ("countries.csv", "us.csv", "local.csv"):
        with (ref / name).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                used.add((row["code"], row["effective_from"]))
                names.setdefault(row["code"], row["name"])
                period = convert_row(name, row)
                if period is not None:
                    files[target_file(period["code"])].append(period)
    missing = set(EDITS) - used
    if missing:
        raise SystemExit(f"EDITS match no reference row: {sorted(missing)}")
    for spec in EXTRA_PERIODS:
        files[target_file(spec["code"])].append(extra_period(spec))

    urls: set[str] = set()
    counts: Counter[str] = Counter()
    for name, rows in files.items():
        rows.sort(key=sort_key)
        write_csv(out / name, PERIOD_COLUMNS, rows)
        for r in rows:
            urls.update(r["sources"].split())
            counts[f"{name}:{r['status']}"] += 1
    places = [
        {
            "code": code,
            "name": names[code],
            "kind": kind,
            "parent": code.split(":")[0],
            "geoid": geoid,
        }
        for code, (kind, geoid) in sorted(PLACES.items())
    ]
    write_csv(out / "places.csv", ["code", "name", "kind", "parent", "geoid"], places)
    # No page confirming the federal-law coverage of the territories was read: header only.
    write_csv(out / "territories.csv", ["code", "parent", "subdivision", "notes", "sources"], [])
    write_csv(out / "sources.csv", ["url", "tier", "publisher", "title"], source_rows(urls))
    return counts


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    out = (
        Path(argv[2])
        if len(argv) == 3
        else Path(__file__).resolve().parent.parent / "data" / "jurisdictions"
    )
    counts = convert(Path(argv[1]), out)
    for key, n in sorted(counts.items()):
        print(f"{key}\t{n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
